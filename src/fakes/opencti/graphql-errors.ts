/**
 * Errors as the 6.9.17 platform builds and formats them (`src/config/errors.js`,
 * `src/graphql/graphql.js`): a `GraphQLError` whose `extensions` carry `code` and `data`, and a
 * formatted JSON error that also repeats the code as `name` ("to maintain compatibility with
 * client in version 3"; pycti raises with `name` when present).
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/** Error codes the fake can answer with (Apollo's own codes plus the platform's). */
export const ErrorCode = {
  AuthRequired: 'AUTH_REQUIRED',
  Functional: 'FUNCTIONAL_ERROR',
  Unsupported: 'UNSUPPORTED_ERROR',
  BadUserInput: 'BAD_USER_INPUT',
  BadRequest: 'BAD_REQUEST',
  ParseFailed: 'GRAPHQL_PARSE_FAILED',
  ValidationFailed: 'GRAPHQL_VALIDATION_FAILED',
  OperationResolutionFailure: 'OPERATION_RESOLUTION_FAILURE',
  Internal: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

function platformError(code: ErrorCode, message: string, data: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, { extensions: { code, data } });
}

/** What every `@auth` field throws when the bearer token matches no user. */
export const authRequired = (): GraphQLError =>
  platformError(ErrorCode.AuthRequired, 'You must be logged in to do this.', { http_status: 401, genre: 'TECHNICAL' });

/** Business-rule refusal, e.g. "No connector found with the specified ID". */
export const functionalError = (message: string, data: Record<string, unknown> = {}): GraphQLError =>
  platformError(ErrorCode.Functional, message, { http_status: 400, genre: 'BUSINESS', ...data });

/** Refusal of an unsupported operation, e.g. "Invalid bundle" from `stixBundlePush`. */
export const unsupportedError = (message: string, data: Record<string, unknown> = {}): GraphQLError =>
  platformError(ErrorCode.Unsupported, message, { http_status: 500, genre: 'BUSINESS', ...data });

/** A `BAD_USER_INPUT` error as graphql-constraint-directive's Apollo plugin raises it. */
export const constraintError = (message: string, field: string, context: unknown): GraphQLError =>
  new GraphQLError(message, { extensions: { field, context, code: ErrorCode.BadUserInput } });

/** JSON shape of one error in the answer: graphql-js format plus `name` = code, as the platform sends. */
export type FormattedPlatformError = GraphQLFormattedError & { name: string };

/**
 * Formats an error the way Apollo + the platform's `formatError` do: `extensions.code` defaults
 * to `fallbackCode`, and `name` repeats the code.
 */
export function formatPlatformError(error: GraphQLError, fallbackCode: ErrorCode): FormattedPlatformError {
  const json = error.toJSON();
  const code = typeof json.extensions?.code === 'string' ? json.extensions.code : fallbackCode;
  return { ...json, extensions: { ...json.extensions, code }, name: code };
}
