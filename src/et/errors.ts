/**
 * The one error type the ET Intelligence client throws.
 *
 * Activities turn it into an `ApplicationFailure` whose `type` is {@link EtApiError.errorType}, so the
 * workflow can tell "fix your key" from "try again later" from "ET sent something we cannot read".
 * Messages say what to do next. They carry the request path (the observable value is not a secret)
 * but never the API key.
 */
import { ErrorType } from '../errors';

/**
 * - `auth`: ET refused the key (401/403). Retrying will not help.
 * - `rate-limited`: 429. Retry later, after `retryAfterMs` when ET said so.
 * - `unavailable`: 408, 5xx, connection failures and timeouts. Retry later.
 * - `invalid-response`: ET answered something this connector cannot use (not JSON, not the envelope,
 *   `success:false`, an unexpected 4xx, a payload of the wrong shape). Retrying will not help.
 */
export type EtErrorCode = 'auth' | 'rate-limited' | 'unavailable' | 'invalid-response';

const ERROR_TYPES: Record<EtErrorCode, ErrorType> = {
  auth: ErrorType.EtAuth,
  'rate-limited': ErrorType.EtRateLimited,
  unavailable: ErrorType.EtUnavailable,
  'invalid-response': ErrorType.EtInvalidResponse,
};

export interface EtApiErrorOptions {
  /** The request path relative to the base URL, e.g. `ips/198.51.100.23/reputation`. */
  path: string;
  status?: number;
  retryAfterMs?: number;
  cause?: unknown;
}

/** Thrown by `EtClient.get` and `fetchEtCall` when one ET call cannot give usable data. */
export class EtApiError extends Error {
  readonly code: EtErrorCode;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly path: string;

  constructor(code: EtErrorCode, message: string, options: EtApiErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = options.path;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    // Temporal uses `name` as the failure type when an activity throws a plain Error.
    this.name = ERROR_TYPES[code];
  }

  /** The {@link ErrorType} string the workflow matches on. */
  get errorType(): ErrorType {
    return ERROR_TYPES[this.code];
  }

  /** Whether waiting and asking again can succeed (false for a refused key or an unusable answer). */
  get retryable(): boolean {
    return this.code === 'rate-limited' || this.code === 'unavailable';
  }

  /** 401/403: the key is wrong, missing or its subscription does not cover this endpoint. */
  static auth(path: string, status: number): EtApiError {
    return new EtApiError(
      'auth',
      `ET refused the API key (HTTP ${status}) for ${path}: check PROOFPOINT_ET_API_KEY and your subscription`,
      { path, status },
    );
  }

  /** 429: over the per-key rate limit. */
  static rateLimited(path: string, status: number, retryAfterMs: number | undefined, etMessage?: string): EtApiError {
    const wait = retryAfterMs === undefined ? 'retry later' : `retry after ${formatMs(retryAfterMs)}`;
    return new EtApiError(
      'rate-limited',
      `ET rate limit exceeded (HTTP ${status}${etMessage ? `, "${etMessage}"` : ''}) for ${path}: ${wait}; ` +
        'if this keeps happening, lower the request rate or ask ProofPoint for a higher limit',
      { path, status, retryAfterMs },
    );
  }

  /** 408, 5xx, connection errors and timeouts: ET (or the way to it) is not answering properly. */
  static unavailable(path: string, detail: string, options: { status?: number; retryAfterMs?: number; cause?: unknown } = {}): EtApiError {
    // With a status ET itself answered, so the network is fine; without one, it may not be.
    const hint = options.status === undefined ? '; if it persists, check the network, proxy and PROOFPOINT_ET_API_BASE_URL' : '';
    return new EtApiError('unavailable', `ET Intelligence is unavailable (${detail}) for ${path}: retry later${hint}`, { path, ...options });
  }

  /** ET answered, but with something this connector cannot use. */
  static invalidResponse(path: string, detail: string, options: { status?: number; cause?: unknown } = {}): EtApiError {
    return new EtApiError('invalid-response', `ET sent an unusable answer for ${path}: ${detail}`, { path, ...options });
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
