/**
 * HTTP client for the ET Intelligence REST API v1: one GET, one classified outcome.
 *
 * There is deliberately no retry loop here: each call runs inside a Temporal activity, and Temporal
 * retries it according to the workflow's policy (honouring `retryAfterMs` from a 429). Create one
 * client per process and share it; it keeps connections alive across calls.
 */
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { EtApiError } from './errors';
import { etEnvelopeSchema, describeIssues } from './schemas';

export interface EtClientOptions {
  /** ET base URL, ending with `/` (e.g. `https://api.emergingthreats.net/v1/`). */
  baseUrl: string;
  /** Sent as the raw `Authorization` header value, as ET expects (no `Bearer`). */
  apiKey: string;
  /** Limit for one whole call: connecting, headers and body. */
  timeoutMs: number;
  /** Injected dispatcher (tests, custom proxies). Not closed by {@link EtClient.close}. */
  dispatcher?: Dispatcher;
  /** Largest body accepted, in bytes (default 64 MiB; ET's biggest realistic answers are ~10 MiB). */
  maxBodyBytes?: number;
}

/** What one successful call gives: ET's `response` payload, or the fact that ET has nothing. */
export type EtGetResult = { kind: 'data'; payload: unknown } | { kind: 'no-data' };

const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** How much of an error body is read to quote ET's `message`. */
const ERROR_BODY_BYTES = 16 * 1024;
const USER_AGENT = 'opencti-proofpoint-et-temporal/0.1.0';

/**
 * Parses a `Retry-After` header (delay in seconds, or an HTTP date) into milliseconds from `now`.
 * Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** True for `null`, `[]` and `{}`: the way ET says "nothing known" with a 200. */
function isEmptyPayload(payload: unknown): boolean {
  if (payload === null || payload === undefined) return true;
  if (Array.isArray(payload)) return payload.length === 0;
  return typeof payload === 'object' && Object.keys(payload).length === 0;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

class BodyTooLargeError extends Error {}

async function readBody(body: Dispatcher.ResponseData['body'], limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw new BodyTooLargeError(`body larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Client for `GET <baseUrl><path>`; see {@link EtClient.get} for how answers are classified. */
export class EtClient {
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(options: EtClientOptions) {
    if (!options.baseUrl.endsWith('/')) {
      // The reference connector concatenated blindly and produced `.../v1ips/...` (et-intelligence.md §5 #15).
      throw new Error(`ET base URL must end with "/" (got ${options.baseUrl})`);
    }
    new URL(options.baseUrl); // throws on a malformed URL, before the first call
    if (!(options.timeoutMs > 0)) throw new Error(`ET timeout must be positive (got ${options.timeoutMs})`);
    this.baseUrl = options.baseUrl;
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher ?? createDispatcher();
  }

  /**
   * `GET <baseUrl><path>` with the key. Resolves with the payload (`data`) or `no-data` (404, or a
   * 200 whose `response` is `[]`, `{}` or null); throws {@link EtApiError} for everything else:
   * 401/403 → `auth`; 429 → `rate-limited`; 408, 5xx, connection errors and timeouts →
   * `unavailable`; other 4xx, redirects, non-JSON, a broken envelope or `success:false` →
   * `invalid-response`. If `signal` (the caller's cancellation) fires, its reason is thrown as is.
   */
  async get(path: string, signal?: AbortSignal): Promise<EtGetResult> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(this.baseUrl + path, {
        method: 'GET',
        headers: { authorization: this.apiKey, accept: 'application/json', 'user-agent': USER_AGENT },
        dispatcher: this.dispatcher,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: combined,
      });
    } catch (err) {
      throw this.transportError(path, err, signal, timeout);
    }
    try {
      return await this.classify(path, res);
    } catch (err) {
      if (err instanceof EtApiError) throw err;
      throw this.transportError(path, err, signal, timeout);
    } finally {
      if (!res.body.readableEnded) res.body.destroy();
    }
  }

  /** Closes the connections this client opened (not an injected dispatcher). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private async classify(path: string, res: Dispatcher.ResponseData): Promise<EtGetResult> {
    const status = res.statusCode;
    if (status === 404 || status === 204) {
      await res.body.dump().catch(() => undefined);
      return { kind: 'no-data' };
    }
    if (status >= 200 && status < 300) return this.readEnvelope(path, res);

    const etMessage = await this.readErrorMessage(res);
    const suffix = etMessage ? `: ${etMessage}` : '';
    if (status === 401 || status === 403) throw EtApiError.auth(path, status);
    const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
    if (status === 429) throw EtApiError.rateLimited(path, status, retryAfterMs, etMessage);
    if (status === 408 || status >= 500) throw EtApiError.unavailable(path, `HTTP ${status}${suffix}`, { status, retryAfterMs });
    if (status >= 300 && status < 400) {
      const location = headerText(res.headers.location);
      throw EtApiError.invalidResponse(path, `unexpected redirect (HTTP ${status}${location ? ` to ${location}` : ''}); check PROOFPOINT_ET_API_BASE_URL`, { status });
    }
    throw EtApiError.invalidResponse(path, `ET rejected the request (HTTP ${status}${suffix}); this endpoint or value is not supported`, { status });
  }

  private async readEnvelope(path: string, res: Dispatcher.ResponseData): Promise<EtGetResult> {
    const status = res.statusCode;
    const contentType = headerText(res.headers['content-type']) ?? '';
    if (!/json/i.test(contentType)) {
      await res.body.dump().catch(() => undefined);
      throw EtApiError.invalidResponse(path, `HTTP ${status} with content type "${contentType || 'none'}" instead of JSON`, { status });
    }
    const declared = Number(headerText(res.headers['content-length']));
    if (declared > this.maxBodyBytes) {
      throw EtApiError.invalidResponse(path, `body of ${declared} bytes is over the ${this.maxBodyBytes}-byte limit`, { status });
    }
    let text: string;
    try {
      text = (await readBody(res.body, this.maxBodyBytes)).toString('utf8');
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw EtApiError.invalidResponse(path, `body is over the ${this.maxBodyBytes}-byte limit`, { status });
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw EtApiError.invalidResponse(path, `HTTP ${status} body is not valid JSON (starts with ${JSON.stringify(text.slice(0, 40))})`, { status });
    }
    const envelope = etEnvelopeSchema.safeParse(json);
    if (!envelope.success) {
      throw EtApiError.invalidResponse(path, `body is not the ET envelope {success, response} (${describeIssues(envelope.error)})`, { status });
    }
    if (!envelope.data.success) {
      const said = this.cleanMessage(envelope.data.message);
      throw EtApiError.invalidResponse(path, `ET reported failure (success:false)${said ? `: ${said}` : ' without a message'}`, { status });
    }
    const payload = envelope.data.response;
    return isEmptyPayload(payload) ? { kind: 'no-data' } : { kind: 'data', payload };
  }

  /** ET's `message` from an error body, if it sent one; best effort, never throws. */
  private async readErrorMessage(res: Dispatcher.ResponseData): Promise<string | undefined> {
    try {
      const text = (await readBody(res.body, ERROR_BODY_BYTES)).toString('utf8');
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && 'message' in parsed) return this.cleanMessage(parsed.message);
    } catch {
      // No readable message: the status alone is reported.
    }
    return undefined;
  }

  /** ET-sent text made safe to put in an error: a short single line that cannot contain the key. */
  private cleanMessage(value: unknown): string | undefined {
    if (typeof value !== 'string' || value.trim() === '') return undefined;
    const line = this.redactKey(value.replace(/\s+/g, ' ').trim());
    return line.length > 200 ? `${line.slice(0, 197)}...` : line;
  }

  private redactKey(text: string): string {
    // An empty key (misconfiguration, reported by ET as 401) must not turn split() into a char splitter.
    return this.apiKey ? text.split(this.apiKey).join('[REDACTED]') : text;
  }

  private transportError(path: string, err: unknown, callerSignal: AbortSignal | undefined, timeout: AbortSignal): unknown {
    // The caller (Temporal cancellation) gave up: that is not ET's fault, so pass the reason on.
    if (callerSignal?.aborted) return callerSignal.reason ?? err;
    const code = (err as { code?: unknown } | null)?.code;
    const name = (err as { name?: unknown } | null)?.name;
    if (
      timeout.aborted ||
      name === 'TimeoutError' ||
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT' ||
      code === 'UND_ERR_CONNECT_TIMEOUT'
    ) {
      return EtApiError.unavailable(path, `no complete answer within ${this.timeoutMs} ms`, { cause: err });
    }
    const message = this.redactKey(err instanceof Error ? err.message : String(err));
    const label = typeof code === 'string' ? `${code}: ` : '';
    return EtApiError.unavailable(path, `connection failed: ${label}${message}`, { cause: err });
  }
}

/**
 * Keep-alive agent. Like the reference connector (aiohttp `trust_env`), it honours HTTP(S)_PROXY /
 * NO_PROXY when they are set.
 */
function createDispatcher(): Dispatcher {
  const options = { keepAliveTimeout: 30_000, keepAliveMaxTimeout: 120_000 };
  const env = process.env;
  const proxied = Boolean(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy);
  return proxied ? new EnvHttpProxyAgent(options) : new Agent(options);
}
