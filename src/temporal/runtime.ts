/**
 * Installs the Temporal runtime once per process, with the SDK's logs (workflow `log`, activity
 * `log`, core) forwarded to our JSON logger on stderr, so stdout stays free (the CLI prints bundles),
 * and, with CONNECTOR_METRICS_PORT, a Prometheus `/metrics` endpoint: the SDK's worker metrics
 * (temporal_*), the workflow's and activities' own counters, and the bridge's (see `bridgeMetrics`).
 */
import type { MetricCounter } from '@temporalio/common';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { redact, serialiseErrors, type LogLevel as OurLevel } from '../logger';
import { PortUnavailableError } from '../ops/health-server';

const TO_TEMPORAL: Record<OurLevel, LogLevel> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

let installed = false;

export interface RuntimeOptions {
  /** Prometheus exporter bind address, e.g. `0.0.0.0:9464`; none when undefined. */
  metricsBindAddress?: string;
}

export function installRuntime(level: OurLevel, opts: RuntimeOptions = {}): void {
  if (installed) return;
  try {
    install(level, opts);
  } catch (err) {
    // The SDK's core binds the exporter and throws a bare "Address already in use (os error 98)".
    const message = (err as Error)?.message ?? '';
    if (opts.metricsBindAddress && /prometheus|address already in use|os error/i.test(message)) {
      const at = opts.metricsBindAddress.lastIndexOf(':');
      const reason = /in use/i.test(message) ? 'the port is already in use' : message;
      throw new PortUnavailableError('CONNECTOR_METRICS_PORT', opts.metricsBindAddress.slice(0, at), opts.metricsBindAddress.slice(at + 1), reason);
    }
    throw err;
  }
  installed = true;
}

function install(level: OurLevel, opts: RuntimeOptions): void {
  Runtime.install({
    logger: new DefaultLogger(TO_TEMPORAL[level], (entry) => {
      const { level: lvl, message, meta } = entry;
      process.stderr.write(`${redact(JSON.stringify({ ts: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(), level: lvl.toLowerCase(), msg: message, ...serialiseErrors(meta ?? {}) }))}\n`);
    }),
    telemetryOptions: opts.metricsBindAddress ? { metrics: { prometheus: { bindAddress: opts.metricsBindAddress, countersTotalSuffix: true } } } : undefined,
    shutdownSignals: [],
  });
}

/** The bridge's counters, on the same Prometheus endpoint as the runtime's. */
export interface BridgeMetrics {
  consumed: MetricCounter;
  started: MetricCounter;
  duplicates: MetricCounter;
  reused: MetricCounter;
  refused: MetricCounter;
  invalid: MetricCounter;
}

export function bridgeMetrics(): BridgeMetrics {
  const meter = Runtime.instance().metricMeter;
  return {
    consumed: meter.createCounter('et_bridge_messages_consumed', 'messages', 'Enrichment requests received'),
    started: meter.createCounter('et_bridge_workflows_started', 'workflows', 'Enrichment workflows started'),
    duplicates: meter.createCounter('et_bridge_duplicates', 'messages', 'Redelivered requests whose workflow already existed'),
    reused: meter.createCounter('et_bridge_reused', 'messages', 'Automatic requests that reused a recent or running enrichment'),
    refused: meter.createCounter('et_bridge_refused', 'messages', 'Requests refused (TLP, scope, own output), by reason'),
    invalid: meter.createCounter('et_bridge_invalid', 'messages', 'Unreadable requests acknowledged and dropped'),
  };
}
