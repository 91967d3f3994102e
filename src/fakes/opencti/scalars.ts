/**
 * The platform's `DateTime` scalar (graphql-scalars `GraphQLDateTime`, as wired in
 * `opencti-graphql/src/graphql/schema.js`): RFC 3339 date-time strings in, UTC ISO strings out.
 *
 * One deliberate difference: input values are validated like graphql-scalars does but handed to
 * resolvers as the original text (not a `Date`), so the fake can record exactly what a client
 * sent (e.g. pycti's `2026-08-20T11:57:12.733000+00:00`). Resolvers normalise when storing.
 */
import { GraphQLError, Kind, type ValueNode } from 'graphql';

const DATE_RE = /^(\d{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01]))$/;
const TIME_RE = /^([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])(\.\d{1,})?(([Z])|([+|-]([01][0-9]|2[0-3]):[0-5][0-9]))$/;

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

function isValidDate(text: string): boolean {
  if (!DATE_RE.test(text)) return false;
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5, 7));
  const day = Number(text.slice(8, 10));
  if (month === 2) return isLeapYear(year) ? day <= 29 : day <= 28;
  if ([4, 6, 9, 11].includes(month)) return day <= 30;
  return true;
}

/** True when `text` is an RFC 3339 date-time the platform accepts (same rules as graphql-scalars). */
export function isRfc3339DateTime(text: string): boolean {
  if (Number.isNaN(Date.parse(text))) return false;
  const t = text.indexOf('T');
  return isValidDate(text.slice(0, t)) && TIME_RE.test(text.slice(t + 1));
}

function parseText(value: unknown): string {
  if (typeof value !== 'string') throw new GraphQLError(`DateTime cannot represent non string or Date type ${JSON.stringify(value)}`);
  if (!isRfc3339DateTime(value)) throw new GraphQLError(`DateTime cannot represent an invalid date-time-string ${value}.`);
  return value;
}

/** Scalar behaviour merged into the SDL-built `DateTime` type (see schema.ts). */
export const dateTimeScalarConfig = {
  serialize(value: unknown): string {
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) throw new GraphQLError('DateTime cannot represent an invalid Date instance');
      return value.toISOString();
    }
    if (typeof value === 'string') {
      if (!isRfc3339DateTime(value)) throw new GraphQLError(`DateTime cannot represent an invalid date-time-string ${value}.`);
      return new Date(value).toISOString();
    }
    throw new GraphQLError(`DateTime cannot be serialized from a non string, non numeric or non Date type ${JSON.stringify(value)}`);
  },
  parseValue: parseText,
  parseLiteral(ast: ValueNode): string {
    if (ast.kind !== Kind.STRING) {
      throw new GraphQLError(`DateTime cannot represent non string or Date type ${'value' in ast ? String(ast.value) : ''}`, { nodes: ast });
    }
    if (!isRfc3339DateTime(ast.value)) throw new GraphQLError(`DateTime cannot represent an invalid date-time-string ${ast.value}.`, { nodes: ast });
    return ast.value;
  },
};
