/**
 * A faithful fake of the ET Intelligence REST API v1 on loopback, for tests and the sandbox demo.
 *
 * Serves the fixture scenarios of `shared/fixtures/et-api` by raw request target (no decoding),
 * numbered repeat answers included; checks the raw `Authorization` key (401 otherwise); answers 405
 * to anything but GET; and answers 404 to any other path while recording it in `unexpected`, so a
 * test can fail when the connector asks for something it should not (the Unicode form of an IDN,
 * a trailing slash, a query). With `synthetic`, well-formed paths without a fixture get generated
 * data instead (see `synthetic.ts`).
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../logger';
import { DEFAULT_ET_FIXTURES_DIR, loadFixtures, prepareAnswer, type EtAnswer, type PreparedAnswer } from './fixtures';
import { syntheticAnswer } from './synthetic';

export type { EtAnswer } from './fixtures';

export interface FakeEtApiOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: '127.0.0.1';
  /** The only `Authorization` value accepted. */
  apiKey: string;
  /** The `et-api` fixtures folder (default `$FIXTURES_DIR/et-api`, else `../shared/fixtures/et-api`). */
  fixturesDir?: string;
  /** Scenario folders to serve (default: all in index.json whose files exist). */
  scenarios?: string[];
  /** Output folder of `big-domain/generate.mjs`, for the `big-domain` scenario. */
  bigDomainDir?: string;
  /** Answer any well-formed ips/domains/samples path that has no fixture with generated data. */
  synthetic?: boolean;
  /** Clock for synthetic dates (default: the real clock). */
  syntheticNow?: () => Date;
  /** Added before every answer. */
  latencyMs?: number;
  logger?: Logger;
}

/** One request the fake received. */
export interface FakeEtRequest {
  method: string;
  /** Raw request target after the base path, e.g. `ips/198.51.100.23/reputation` (the whole target if outside it). */
  path: string;
  /** Raw request target as received, e.g. `/v1/ips/198.51.100.23/reputation`. */
  target: string;
  authorized: boolean;
  /** `Date.now()` when it arrived. */
  at: number;
}

export interface FakeEtApi {
  /** e.g. `http://127.0.0.1:41234/v1/` (ends with `/`, as the client requires). */
  baseUrl: string;
  port: number;
  /** Scenarios being served. */
  scenarios: string[];
  requests: FakeEtRequest[];
  /** Requests no fixture (or synthetic rule) covers, or with a method other than GET: a test should fail on these. */
  unexpected: FakeEtRequest[];
  /** Number of requests for a path (`ips/…/asn`) or raw target (`/v1/ips/…/asn`, `GET /v1/ips/…/asn`). */
  count(pathOrTarget: string): number;
  /** Replaces the answers for one path (same format as fixture files; the last one repeats) and restarts its call count. */
  setAnswers(pathOrTarget: string, answers: EtAnswer[]): void;
  /** Forgets requests, call counts and injected answers. */
  reset(): void;
  close(): Promise<void>;
}

const json = (message: string) => Buffer.from(JSON.stringify({ success: false, message, response: {} }));

/** Starts the fake and resolves once it listens. */
export async function startFakeEtApi(options: FakeEtApiOptions): Promise<FakeEtApi> {
  const host = options.host ?? '127.0.0.1';
  const log = options.logger;
  const fixturesDir = options.fixturesDir ?? DEFAULT_ET_FIXTURES_DIR;
  // Without fixtures on disk (an installed sandbox), synthetic mode still works.
  const fixtures =
    options.scenarios?.length === 0 || (options.fixturesDir === undefined && options.scenarios === undefined && !existsSync(fixturesDir))
      ? { basePath: '/v1/', scenarios: [], answers: new Map<string, PreparedAnswer[]>() }
      : loadFixtures({ fixturesDir, scenarios: options.scenarios, bigDomainDir: options.bigDomainDir });
  const basePath = fixtures.basePath;

  const requests: FakeEtRequest[] = [];
  const unexpected: FakeEtRequest[] = [];
  const injected = new Map<string, PreparedAnswer[]>();
  const callCounts = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();

  /** `GET /v1/x`, `/v1/x` and `x` all name path `x`. */
  const toPath = (pathOrTarget: string): string => {
    const target = pathOrTarget.replace(/^[A-Z]+ /, '');
    return target.startsWith(basePath) ? target.slice(basePath.length) : target;
  };

  const later = (ms: number, fn: () => void, res: ServerResponse): void => {
    if (ms <= 0) return fn();
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    // The client gave up (timeout, cancellation): nothing left to answer. `res` closes once per request.
    res.once('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  };

  const send = (req: IncomingMessage, res: ServerResponse, answer: PreparedAnswer): void => {
    later((options.latencyMs ?? 0) + answer.delayMs, () => {
      if (answer.status === undefined) {
        req.socket.destroy(); // "accept, never answer, close after delay_ms"
        return;
      }
      const body = answer.body();
      res.writeHead(answer.status, { ...answer.headers, 'Content-Length': String(body.length) });
      res.end(body);
    }, res);
  };

  const pickAnswer = (path: string): PreparedAnswer | undefined => {
    const list = injected.get(path) ?? fixtures.answers.get(path);
    if (!list || list.length === 0) return undefined;
    const n = (callCounts.get(path) ?? 0) + 1;
    callCounts.set(path, n);
    return list[Math.min(n, list.length) - 1];
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const target = req.url ?? '';
    const inBase = target.startsWith(basePath);
    const record: FakeEtRequest = {
      method: req.method ?? '',
      path: inBase ? target.slice(basePath.length) : target,
      target,
      authorized: req.headers.authorization === options.apiKey,
      at: Date.now(),
    };
    requests.push(record);
    // Drain any request body so the connection stays usable.
    req.resume();

    if (record.method !== 'GET') {
      unexpected.push(record);
      log?.warn('Fake ET API: method not allowed', { method: record.method, target });
      return send(req, res, prepareAnswer({ status: 405, headers: { 'Content-Type': 'application/json', Allow: 'GET' }, raw_body: json('Method Not Allowed').toString() }));
    }
    if (!record.authorized) {
      log?.debug('Fake ET API: refused key', { target });
      return send(req, res, prepareAnswer({ status: 401, headers: { 'Content-Type': 'application/json' }, raw_body: json('Unauthorized').toString() }));
    }
    const answer =
      (inBase ? pickAnswer(record.path) : undefined) ??
      (inBase && options.synthetic ? wrapSynthetic(syntheticAnswer(record.path, options.syntheticNow?.() ?? new Date())) : undefined);
    if (!answer) {
      unexpected.push(record);
      log?.warn('Fake ET API: no answer for this request (404)', { target });
      return send(req, res, prepareAnswer({ status: 404, headers: { 'Content-Type': 'application/json' }, raw_body: json('Not Found').toString() }));
    }
    log?.debug('Fake ET API: answering', { target, status: answer.status ?? 'none' });
    send(req, res, answer);
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      log?.error('Fake ET API: handler failed', { err });
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(json('Fake ET API internal error'));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://${host}:${port}${basePath}`;
  log?.info('Fake ET API listening', { baseUrl, scenarios: fixtures.scenarios, synthetic: Boolean(options.synthetic) });

  return {
    baseUrl,
    port,
    scenarios: fixtures.scenarios,
    requests,
    unexpected,
    count: (pathOrTarget) => {
      const path = toPath(pathOrTarget);
      return requests.filter((r) => r.path === path).length;
    },
    setAnswers: (pathOrTarget, answers) => {
      const path = toPath(pathOrTarget);
      injected.set(path, answers.map(prepareAnswer));
      callCounts.delete(path);
    },
    reset: () => {
      requests.length = 0;
      unexpected.length = 0;
      injected.clear();
      callCounts.clear();
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function wrapSynthetic(answer: EtAnswer | undefined): PreparedAnswer | undefined {
  return answer ? prepareAnswer(answer) : undefined;
}
