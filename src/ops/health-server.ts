/**
 * Liveness and readiness over HTTP, for container orchestrators and the operator:
 *
 *   GET /healthz  200 {"status":"ok"} while the process runs (and answers at all)
 *   GET /readyz   200 when every component is ready, 503 otherwise; the body says each component's state
 *
 * Components are probed at request time: the bridge is ready while it consumes the listen queue
 * (`ListenConsumer.state === 'consuming'`), a Temporal worker while it polls (`getState() === 'RUNNING'`),
 * Temporal while its frontend answers a health check (a network call, so cached: see `cachedCheck`).
 * A not-ready body lists the components that are down under `down`.
 * Enabled by `CONNECTOR_HEALTH_PORT` (0 or unset: no server); it listens on 127.0.0.1 unless
 * `CONNECTOR_HEALTH_HOST` says otherwise (0.0.0.0 in a container). No secret is ever in a body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger';

export interface ComponentHealth {
  /** What the component says about itself, e.g. `consuming`, `RUNNING`, `reconnecting`. */
  state: string;
  ready: boolean;
  /** Why it is not ready, when known (e.g. the error of a failed check). Never a secret. */
  detail?: string;
}

/** Current state of each component; called on every /readyz request, so keep it cheap (cache network checks). */
export type HealthProbe = () => Record<string, ComponentHealth> | Promise<Record<string, ComponentHealth>>;

export interface HealthServerOptions {
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
  probe: HealthProbe;
  logger?: Logger;
  /** The setting that chose the port, named when it cannot be bound. @default 'CONNECTOR_HEALTH_PORT' */
  portSetting?: string;
}

/** Thrown when an endpoint's port cannot be bound (taken, or not allowed); names the setting to change. */
export class PortUnavailableError extends Error {
  constructor(setting: string, host: string, port: number | string, reason: string) {
    super(`Cannot listen on ${host}:${port} (${setting}): ${reason}. Set ${setting} to a free port, or stop whatever uses this one.`);
    this.name = 'PortUnavailableError';
  }
}

/**
 * Wraps a network check (e.g. is Temporal reachable) for /readyz: runs it at most once per `ttlMs`,
 * concurrent probes share one run, and a check that throws is a not-ready component, not a 503 of
 * the whole endpoint. Orchestrators probe every few seconds: each probe must not cost a round trip.
 */
export function cachedCheck(check: () => Promise<ComponentHealth>, ttlMs: number, now: () => number = Date.now): () => Promise<ComponentHealth> {
  let last: { at: number; value: ComponentHealth } | null = null;
  let running: Promise<ComponentHealth> | null = null;
  return () => {
    if (last && now() - last.at < ttlMs) return Promise.resolve(last.value);
    running ??= check()
      .catch((err: unknown): ComponentHealth => ({ state: 'check-failed', ready: false, detail: (err as Error)?.message ?? String(err) }))
      .then((value) => {
        last = { at: now(), value };
        running = null;
        return value;
      });
    return running;
  };
}

export interface HealthServer {
  /** The port actually bound (useful with port 0 in tests). */
  readonly port: number;
  /** e.g. `http://127.0.0.1:8081` */
  readonly url: string;
  close(): Promise<void>;
}

export const DEFAULT_HEALTH_HOST = '127.0.0.1';

/** The /readyz answer for a probe result: ready only when there is at least one component and all are ready. */
export function readiness(components: Record<string, ComponentHealth>): {
  status: 200 | 503;
  body: { status: 'ready' | 'not-ready'; down?: string[]; components: Record<string, ComponentHealth> };
} {
  const all = Object.values(components);
  const ready = all.length > 0 && all.every((c) => c.ready);
  if (ready) return { status: 200, body: { status: 'ready', components } };
  const down = Object.entries(components).flatMap(([name, c]) => (c.ready ? [] : [name]));
  return { status: 503, body: { status: 'not-ready', down, components } };
}

function send(res: ServerResponse, status: number, body: unknown, head = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(head ? undefined : text);
}

export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const host = opts.host ?? DEFAULT_HEALTH_HOST;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    req.resume();
    const path = (req.url ?? '/').split('?')[0];
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, { error: 'method not allowed' });
    }
    if (path === '/healthz') return send(res, 200, { status: 'ok' }, head);
    if (path === '/readyz') {
      let components: Record<string, ComponentHealth>;
      try {
        components = await opts.probe();
      } catch (err) {
        opts.logger?.warn('Readiness probe failed', { err });
        return send(res, 503, { status: 'not-ready', error: 'probe failed' }, head);
      }
      const { status, body } = readiness(components);
      return send(res, status, body, head);
    }
    return send(res, 404, { error: 'not found', paths: ['/healthz', '/readyz'] }, head);
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.logger?.warn('Health request failed', { err });
      res.destroy();
    });
  });
  // A health server must never keep a draining process alive.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const reason = err.code === 'EADDRINUSE' ? 'the port is already in use' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new PortUnavailableError(opts.portSetting ?? 'CONNECTOR_HEALTH_PORT', host, opts.port, reason));
    };
    server.once('error', onError);
    server.listen(opts.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => opts.logger?.warn('Health server error', { err }));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  opts.logger?.info('Health endpoints listening', { url, liveness: '/healthz', readiness: '/readyz' });
  let closed: Promise<void> | null = null;
  return {
    port,
    url,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
