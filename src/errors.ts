/**
 * Typed errors. Each says when it is thrown and what the operator should do.
 *
 * Across the Temporal sandbox boundary errors travel as `ApplicationFailure` whose `type` is one of
 * {@link ErrorType}; workflow code matches on those strings, never on classes.
 */
export const ErrorType = {
  Config: 'ConfigError',
  EtAuth: 'EtAuthError',
  EtRateLimited: 'EtRateLimitedError',
  EtUnavailable: 'EtUnavailableError',
  EtInvalidResponse: 'EtInvalidResponseError',
  OpenCtiApi: 'OpenCtiApiError',
  InvalidMessage: 'InvalidMessageError',
  PushFailed: 'PushFailedError',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

/** Thrown at start-up when the configuration is missing or wrong; lists every problem, never a value. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Cannot start: fix these and try again:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = ErrorType.Config;
    this.problems = problems;
  }
}

/** Thrown when the Temporal server does not answer at start-up; names the address to check. */
export class TemporalUnreachableError extends Error {
  constructor(address: string, cause: unknown) {
    super(
      `Cannot reach the Temporal server at ${address} (${(cause as Error)?.message ?? String(cause)}). ` +
        'Check TEMPORAL_ADDRESS, or leave it unset to use the embedded dev server.',
      { cause },
    );
    this.name = 'TemporalUnreachableError';
  }
}

/** Thrown when an OpenCTI GraphQL call fails (HTTP error or a GraphQL `errors` answer). */
export class OpenCtiApiError extends Error {
  readonly operation: string;
  readonly status: number | undefined;
  constructor(operation: string, message: string, status?: number, options?: { cause?: unknown }) {
    super(`OpenCTI ${operation} failed: ${message}`, options);
    this.name = ErrorType.OpenCtiApi;
    this.operation = operation;
    this.status = status;
  }
}

/** Thrown by the bridge when a listen-queue message cannot be turned into an enrichment request. */
export class InvalidMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = ErrorType.InvalidMessage;
  }
}
