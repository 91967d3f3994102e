#!/usr/bin/env bash
# Installs and starts what the connector needs on one machine, idempotently:
#   - node_modules (npm ci) when missing,
#   - the Temporal CLI (dev server + Web UI) built from the Go module proxy into .tools/bin,
#   - RabbitMQ from Debian, started on loopback.
# `npm start`, `npm run demo` and `npm test` all call it; a second run does nothing but check.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TEMPORAL_CLI_VERSION=v1.5.1 # newest tag `go install` accepts (later tags carry a replace directive)
TEMPORAL_BIN="$ROOT/.tools/bin/temporal"

log() { printf '[services] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_node_modules() {
  if [ ! -d node_modules/@temporalio/worker ]; then
    log "installing npm dependencies (npm ci)"
    npm ci --no-audit --no-fund >&2
  fi
}

ensure_temporal_cli() {
  if [ -x "$TEMPORAL_BIN" ] && [ -f "$ROOT/.tools/temporal.version" ] && [ "$(cat "$ROOT/.tools/temporal.version")" = "$TEMPORAL_CLI_VERSION" ]; then
    return
  fi
  local go_bin
  go_bin=$(command -v go || true)
  [ -n "$go_bin" ] || { [ -x /usr/local/go/bin/go ] && go_bin=/usr/local/go/bin/go; }
  if [ -z "$go_bin" ]; then
    log "Go is required to build the Temporal CLI (go >= 1.25). Install Go, then run this again."
    exit 1
  fi
  log "building the Temporal CLI $TEMPORAL_CLI_VERSION from the Go module proxy (first run only, a few minutes)"
  mkdir -p "$ROOT/.tools/bin"
  GOBIN="$ROOT/.tools/bin" CGO_ENABLED=0 GOFLAGS=-trimpath "$go_bin" install -ldflags='-s -w' \
    "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" >&2
  echo "$TEMPORAL_CLI_VERSION" > "$ROOT/.tools/temporal.version"
  log "Temporal CLI ready: $TEMPORAL_BIN"
}

# rabbitmqctl can time out on a busy machine: ask a few times before concluding it is down.
rabbit_running() {
  for _ in 1 2 3; do
    as_root rabbitmqctl -q status >/dev/null 2>&1 && return 0
    sleep 1
  done
  return 1
}

# A broker started by someone else may listen on every interface with the guest account: say so.
warn_if_exposed() {
  local exposed
  exposed=$(as_root rabbitmq-diagnostics -q listeners 2>/dev/null | grep -E 'protocol: amqp' | grep -vE 'Interface: (127\.0\.0\.1|::1),' || true)
  if [ -n "$exposed" ]; then
    log "warning: the running RabbitMQ was not started by this script and listens beyond loopback: $exposed"
    log "warning: restart it on loopback (rabbitmqctl stop, then run this script again) unless that is intended"
  fi
}

# The node is named rabbit@<short host name>, and neither the server nor rabbitmqctl can reach it
# when that name does not resolve (some containers and CI machines). There, name it rabbit@localhost
# in rabbitmq-env.conf, which the server and every RabbitMQ CLI read. An existing NODENAME is kept.
ensure_resolvable_nodename() {
  local conf=/etc/rabbitmq/rabbitmq-env.conf host
  host=$(hostname -s 2>/dev/null || hostname)
  getent hosts "$host" >/dev/null 2>&1 && return
  if [ -f "$conf" ] && grep -qE '^(RABBITMQ_)?NODENAME=' "$conf"; then return; fi
  log "the host name '$host' does not resolve: naming the RabbitMQ node rabbit@localhost (in $conf)"
  as_root mkdir -p /etc/rabbitmq
  printf '# Written by scripts/services.sh: the host name %s does not resolve here.\nNODENAME=rabbit@localhost\n' "$host" \
    | as_root tee -a "$conf" >/dev/null
}

ensure_rabbitmq() {
  if ! command -v rabbitmq-server >/dev/null 2>&1 && [ ! -x /usr/sbin/rabbitmq-server ]; then
    log "installing RabbitMQ from Debian (apt-get install rabbitmq-server)"
    as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq rabbitmq-server >&2
  fi
  ensure_resolvable_nodename
  if rabbit_running; then warn_if_exposed; return; fi
  log "starting RabbitMQ on 127.0.0.1:5672"
  # Loopback only: AMQP listener, Erlang distribution and epmd.
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  as_root env RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="$RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS" \
    rabbitmq-server -detached >&2 || true
  # await_startup fails at once while the node is still registering with epmd, so ask again
  # until it answers or the deadline passes; stop early if the server process has died.
  local deadline=$((SECONDS + 120))
  until as_root timeout 15 rabbitmqctl -q await_startup >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "RabbitMQ did not start within 120 s; the end of its log follows (all of it in /var/log/rabbitmq/)"
      tail -n 20 /var/log/rabbitmq/rabbit@*.log >&2 2>/dev/null || true
      exit 1
    fi
    if ! pgrep -f 'beam.*-s rabbit boot' >/dev/null 2>&1 && [ $((deadline - SECONDS)) -lt 110 ]; then
      log "RabbitMQ stopped while starting; the end of its log follows (all of it in /var/log/rabbitmq/)"
      tail -n 20 /var/log/rabbitmq/rabbit@*.log >&2 2>/dev/null || true
      exit 1
    fi
    sleep 2
  done
  log "RabbitMQ is up after $((120 - (deadline - SECONDS))) s"
}

ensure_node_modules
ensure_temporal_cli
ensure_rabbitmq
