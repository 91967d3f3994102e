/**
 * Reads the gRPC status out of a Temporal SDK error. The client wraps the server's answer (e.g.
 * `ServiceError: Failed to start Workflow`, whose `cause` carries the code and the real reason);
 * the worker's native connection throws it directly, with the reason in `message`.
 */

/** The gRPC status codes (spelled out here: @grpc/grpc-js is not a direct dependency). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const NAMES = Object.fromEntries(Object.entries(GrpcStatus).map(([name, code]) => [code, name])) as Record<number, string>;

export interface GrpcFailure {
  code: number;
  /** The status name, e.g. INVALID_ARGUMENT. */
  codeName: string;
  /** What the server said, e.g. "Namespace default has no mapping defined for search attribute EtTrigger". */
  reason: string;
}

/** The first gRPC status in `err` or its causes, or null when there is none (not a server answer). */
export function grpcFailure(err: unknown): GrpcFailure | null {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 8; depth++, e = (e as { cause?: unknown }).cause) {
    const { code, details } = e as { code?: unknown; details?: unknown };
    if (typeof code !== 'number' || NAMES[code] === undefined) continue;
    const reason = typeof details === 'string' && details !== '' ? details : e.message;
    return { code, codeName: NAMES[code]!, reason };
  }
  return null;
}

/**
 * True when the server refused the request itself, so sending it again can never succeed: the
 * request is malformed for this namespace (INVALID_ARGUMENT: a search attribute without a mapping,
 * a value over a limit). Outages, timeouts, throttling and auth problems are not in this set: they
 * get better on their own or once an operator fixes the deployment, so they are retried.
 */
export function isPermanentRejection(err: unknown): boolean {
  return grpcFailure(err)?.code === GrpcStatus.INVALID_ARGUMENT;
}
