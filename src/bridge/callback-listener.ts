/**
 * API listen mode (OpenCTI ≥ 6.5.7, protocol §2.7): instead of consuming RabbitMQ, the connector
 * registers a `listen_callback_uri` and the platform's worker POSTs each request to it with the
 * connector user's token. Answers as pycti does: 401 on a wrong token, 400 on a body that is not
 * JSON, 202 once handled. A transient failure (Temporal or OpenCTI unreachable) answers 502
 * "Bad Gateway", the one error the platform's worker requeues instead of dropping.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readBody } from '../http/read-body';
import type { Logger } from '../logger';
import type { Verdict } from './consumer';

export interface CallbackListenerOptions {
  port: number;
  host: string;
  path: string;
  token: string;
  handle: (body: Buffer, redelivered: boolean) => Promise<Verdict>;
  logger: Logger;
  /** Larger bodies are refused (413); the platform's messages are far smaller. */
  maxBodyBytes?: number;
}

function sameToken(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(`Bearer ${expected}`);
  return a.length === b.length && timingSafeEqual(a, b);
}


export class CallbackListener {
  state: 'connecting' | 'consuming' | 'stopped' = 'connecting';
  consumed = 0;
  private server: Server | null = null;
  private inFlight = new Set<Promise<unknown>>();

  constructor(private readonly opts: CallbackListenerOptions) {}

  async start(): Promise<void> {
    const { opts } = this;
    this.server = createServer((req, res) => {
      const reply = (status: number, body: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: body }));
      };
      if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== opts.path) return reply(404, 'Not Found');
      if (!sameToken(req.headers.authorization, opts.token)) return reply(401, 'Unauthorized');
      if (this.state !== 'consuming') return reply(502, 'Bad Gateway: the connector is stopping');
      const work = (async () => {
        const body = await readBody(req, opts.maxBodyBytes ?? 64 * 1024 * 1024);
        if (!body) return reply(413, 'Payload Too Large');
        try {
          JSON.parse(body.toString('utf8'));
        } catch {
          // Still handled, so a work named in the broken body is closed; the platform drops it.
          await opts.handle(body, false);
          return reply(400, 'Invalid JSON');
        }
        this.consumed += 1;
        const verdict = await opts.handle(body, false);
        return verdict === 'ack' ? reply(202, 'Accepted') : reply(502, 'Bad Gateway: try again later');
      })().catch((err) => {
        opts.logger.error('Callback handler failed', { err });
        reply(502, 'Bad Gateway: internal error');
      });
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(opts.port, opts.host, () => resolve());
    });
    this.state = 'consuming';
    opts.logger.info('Listening for enrichment requests over HTTP (API listen mode)', { host: opts.host, port: opts.port, path: opts.path });
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    await Promise.allSettled([...this.inFlight]);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
