/**
 * One GraphQL-over-HTTP request, processed in the order and with the answers of the platform's
 * Apollo Server 5 setup (`src/graphql/graphql.js`): body checks (HTTP 400), parse, validate,
 * operation selection, the `@constraint` check of graphql-constraint-directive, then execution.
 * Every GraphQL-level failure is answered with HTTP 200, as the platform's `httpResponsePlugin`
 * forces, and formatted with `name` = code.
 */
import {
  type DocumentNode,
  execute,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  type GraphQLSchema,
  isInputObjectType,
  isNonNullType,
  Kind,
  type OperationDefinitionNode,
  parse,
  validate,
  valueFromAST,
} from 'graphql';
import { constraintError, ErrorCode, type FormattedPlatformError, formatPlatformError } from './graphql-errors';

/** What the HTTP layer needs to answer. */
export interface GraphqlHttpResult {
  status: number;
  body: { data?: unknown; errors?: FormattedPlatformError[] | Array<{ message: string; extensions: { code: string } }> };
  /** Operation details for the call log (absent when the body could not be read). */
  operationName: string | null;
  operationType: string | null;
  rootFields: string[];
  variables: Record<string, unknown>;
}

/** Input of {@link runGraphqlRequest}. */
export interface GraphqlRequest {
  schema: GraphQLSchema;
  /** The parsed JSON body (unknown shape). */
  body: unknown;
  rootValue: unknown;
  contextValue: unknown;
}

/** Runs one request through the Apollo-like pipeline. */
export async function runGraphqlRequest({ schema, body, rootValue, contextValue }: GraphqlRequest): Promise<GraphqlHttpResult> {
  const base = { operationName: null, operationType: null, rootFields: [] as string[], variables: {} };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return badRequest('POST body missing, invalid Content-Type, or JSON object has no keys.', base);
  const { query, variables, operationName } = body as Record<string, unknown>;
  if (typeof query !== 'string' || query === '') return badRequest('GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.', base);
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    return badRequest('`variables` in a POST body should be provided as an object.', base);
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    return badRequest('`operationName` in a POST body must be a string if provided.', base);
  }
  const vars = (variables ?? {}) as Record<string, unknown>;
  const opName = (operationName as string | null | undefined) ?? null;
  const info = { ...base, operationName: opName, variables: vars };

  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (err) {
    return graphqlErrors([toGraphQLError(err)], ErrorCode.ParseFailed, info);
  }
  const validationErrors = validate(schema, document);
  if (validationErrors.length > 0) return graphqlErrors(validationErrors, ErrorCode.ValidationFailed, info);

  const operation = getOperationAST(document, opName);
  if (!operation) {
    const message = opName ? `Unknown operation named "${opName}".` : 'Must provide operation name if query contains multiple operations.';
    return graphqlErrors([new GraphQLError(message)], ErrorCode.OperationResolutionFailure, info);
  }
  const described = {
    ...info,
    operationName: opName ?? operation.name?.value ?? null,
    operationType: operation.operation,
    rootFields: operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : [])),
  };

  const constraintErrors = checkConstraints(schema, operation, vars);
  if (constraintErrors.length > 0) return graphqlErrors(constraintErrors, ErrorCode.BadUserInput, described);

  const result = await execute({ schema, document, rootValue, contextValue, variableValues: vars, operationName: opName });
  const errors = result.errors?.map((e) => formatPlatformError(e, isVariableCoercionError(e, operation) ? ErrorCode.BadUserInput : ErrorCode.Internal));
  const answer: GraphqlHttpResult['body'] = {};
  if (errors) answer.errors = errors;
  if ('data' in result) answer.data = result.data;
  return { ...described, status: 200, body: answer };
}

function badRequest(message: string, info: Omit<GraphqlHttpResult, 'status' | 'body'>): GraphqlHttpResult {
  return { ...info, status: 400, body: { errors: [{ message, extensions: { code: ErrorCode.BadRequest } }] } };
}

function graphqlErrors(errors: readonly GraphQLError[], code: ErrorCode, info: Omit<GraphqlHttpResult, 'status' | 'body'>): GraphqlHttpResult {
  return { ...info, status: 200, body: { errors: errors.map((e) => formatPlatformError(e, code)) } };
}

function toGraphQLError(err: unknown): GraphQLError {
  return err instanceof GraphQLError ? err : new GraphQLError(err instanceof Error ? err.message : String(err));
}

/** Apollo's `isBadUserInputGraphQLError`: a variable-coercion failure reported on a variable definition. */
function isVariableCoercionError(error: GraphQLError, operation: OperationDefinitionNode): boolean {
  const node = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  if (!node || node.kind !== Kind.VARIABLE_DEFINITION) return false;
  const name = node.variable.name.value;
  return (
    operation.variableDefinitions?.includes(node) === true &&
    [`Variable "$${name}" got invalid value `, `Variable "$${name}" of required type `, `Variable "$${name}" of non-null type `].some((p) => error.message.startsWith(p))
  );
}

/**
 * The platform's only `@constraint` on this surface: `RegisterConnectorInput.name`
 * (`minLength: 2, format: "not-blank"`), checked like graphql-constraint-directive's
 * Apollo plugin does before execution (message texts from that library).
 */
function checkConstraints(schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Record<string, unknown>): GraphQLError[] {
  const mutation = schema.getMutationType();
  if (operation.operation !== 'mutation' || !mutation) return [];
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  // Invalid variables are reported by execution; the plugin then sees no value to check.
  const values = coerced.coerced;
  if (!values) return [];
  const errors: GraphQLError[] = [];
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.name.value !== 'registerConnector') continue;
    const argNode = selection.arguments?.find((a) => a.name.value === 'input');
    const argDef = mutation.getFields().registerConnector?.args.find((a) => a.name === 'input');
    if (!argNode || !argDef) continue;
    const argType = isNonNullType(argDef.type) ? argDef.type.ofType : argDef.type;
    if (!isInputObjectType(argType)) continue;
    const value = valueFromAST(argNode.value, argDef.type, values) as { name?: unknown } | null | undefined;
    const name = value?.name;
    if (typeof name !== 'string') continue;
    const variableName = argNode.value.kind === Kind.VARIABLE ? argNode.value.name.value : undefined;
    const field = variableName ? `${variableName}.name` : 'name';
    const problem = nameProblem(name);
    if (!problem) continue;
    const prefix = variableName
      ? `Variable "$${variableName}" got invalid value "${name}" at "${field}". `
      : `Argument "input" of "registerConnector" got invalid value "${name}" at "${field}". `;
    errors.push(constraintError(prefix + problem.message, field, [{ arg: problem.arg, value: problem.value }]));
  }
  return errors;
}

function nameProblem(name: string): { message: string; arg: string; value: unknown } | null {
  // validator.js isLength: surrogate pairs and presentation selectors do not count.
  const length = name.length - (name.match(/(\uFE0F|\uFE0E)/g) ?? []).length - (name.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g) ?? []).length;
  if (length < 2) return { message: 'Must be at least 2 characters in length', arg: 'minLength', value: 2 };
  if (name.length > 0 && name.trim() === '') return { message: 'Value cannot have only whitespace(s)', arg: 'format', value: 'not-blank' };
  return null;
}
