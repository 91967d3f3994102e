/**
 * Checks a set of STIX objects (the union of pushed parts, or a playbook bundle) against an
 * expectation file of shared/fixtures/expected, following the matching rules of EXPECTED.md:
 * natural keys (`any_of`, dotted names), `start_time` compared as instants, `created_by`
 * (`author` / `unchanged`), `markings` (TLP names / `unchanged`), `score: unchanged-or-absent`,
 * `labels_include` / `labels_preserved`, `should`, `absent`, `optional`, `must_not_contain`,
 * `object_counts`, and "each id once".
 *
 * All problems are collected and reported together, with a short listing of what was received.
 */
import { AssertionError } from 'node:assert';
import type { StixObject } from '../../src/shared/types';
import { TLP_MARKING_IDS, type TlpLevel } from '../../src/shared/tlp';
import { identityId } from '../../src/stix/ids';

/** The message the result answers: its `event.entity_id` and parsed `event.stix_entity`. */
export interface ExpectedMessage {
  entityId: string;
  stixEntity: StixObject;
}

type Json = unknown;
interface NaturalRef {
  type: string;
  key: Record<string, Json>;
}
interface ExpectedObject extends Partial<NaturalRef> {
  ref?: string;
  type: string;
  id?: string;
  relationship_type?: string;
  source?: NaturalRef;
  target?: NaturalRef;
  properties?: Record<string, Json>;
  should?: Record<string, Json>;
  absent?: string[];
  optional?: boolean;
  created_by?: 'author' | 'unchanged';
  markings?: string[] | 'unchanged';
  score?: 'unchanged-or-absent';
  labels_include?: string[];
  labels_preserved?: string[];
}
interface Expectation {
  scenario?: string;
  config?: { connector_name?: string };
  objects: ExpectedObject[];
  must_not_contain?: Array<NaturalRef & { why?: string }>;
  object_counts?: Record<string, number | { min?: number; max?: number }>;
}

const SCO_EXTENSION_ID = 'extension-definition--f93e2c80-4231-4f9a-af8b-95c9bd566a82';
const OPENCTI_EXTENSION_ID = 'extension-definition--ea279b3e-5c71-4632-ac08-831c66a786ba';
const DEFAULT_AUTHOR = { name: 'ProofPoint ET Intelligence', identity_class: 'organization' };
/** Types whose author is `x_opencti_created_by_ref` (observables) rather than `created_by_ref`. */
const SCO_TYPES = new Set([
  'artifact',
  'autonomous-system',
  'directory',
  'domain-name',
  'email-addr',
  'email-message',
  'file',
  'ipv4-addr',
  'ipv6-addr',
  'mac-addr',
  'mutex',
  'network-traffic',
  'process',
  'software',
  'url',
  'user-account',
  'windows-registry-key',
  'x509-certificate',
  'hostname',
  'cryptocurrency-wallet',
  'user-agent',
  'text',
  'phone-number',
]);

/**
 * Throws an AssertionError listing every difference between `objects` and the expectation file
 * `expected` (parsed JSON) for the enrichment of `message`.
 */
export function assertMatchesExpected(objects: StixObject[], expected: unknown, message: ExpectedMessage): void {
  const problems = matchExpected(objects, expected, message);
  if (problems.length === 0) return;
  const exp = expected as Expectation;
  throw new AssertionError({
    message:
      `${problems.length} difference(s) from expectation${exp.scenario ? ` '${exp.scenario}'` : ''}:\n` +
      problems.map((p) => `  - ${p}`).join('\n') +
      `\nreceived ${objects.length} object(s):\n` +
      objects.map((o) => `  ${describeObject(o)}`).join('\n'),
  });
}

/** Same checks as {@link assertMatchesExpected}, returning the problems instead of throwing. */
export function matchExpected(objects: StixObject[], expected: unknown, message: ExpectedMessage): string[] {
  const exp = expected as Expectation;
  if (!exp || !Array.isArray(exp.objects)) return ['expectation has no "objects" list'];
  const problems: string[] = [];

  // Each id once.
  const seen = new Map<string, number>();
  for (const o of objects) seen.set(o.id, (seen.get(o.id) ?? 0) + 1);
  for (const [id, n] of seen) if (n > 1) problems.push(`id ${id} appears ${n} times (each id must appear once)`);

  const authorEntry = exp.objects.find((o) => o.ref === 'author');
  const authorKey = (authorEntry?.key as { name?: string; identity_class?: string } | undefined) ?? {};
  const authorId = identityId(
    authorKey.name ?? exp.config?.connector_name ?? DEFAULT_AUTHOR.name,
    authorKey.identity_class ?? DEFAULT_AUTHOR.identity_class,
  );
  const ctx: MatchContext = { objects, message, authorId, problems };

  for (const entry of exp.objects) checkEntry(entry, ctx);

  for (const forbidden of exp.must_not_contain ?? []) {
    const found = objects.filter((o) => matchesNatural(o, forbidden));
    for (const o of found)
      problems.push(
        `must not contain ${describeRef(forbidden)}${forbidden.why ? ` (${forbidden.why})` : ''}, found ${o.id}`,
      );
  }

  if (exp.object_counts) {
    const counts = new Map<string, number>();
    for (const id of seen.keys()) counts.set(typeOfId(id), (counts.get(typeOfId(id)) ?? 0) + 1);
    for (const [type, rule] of Object.entries(exp.object_counts)) {
      const n = counts.get(type) ?? 0;
      const { min, max } =
        typeof rule === 'number' ? { min: rule, max: rule } : { min: rule.min ?? 0, max: rule.max ?? Infinity };
      if (n < min || n > max) {
        problems.push(`object_counts.${type}: ${n} distinct id(s), expected ${min === max ? min : `${min}..${max}`}`);
      }
    }
    for (const [type, n] of counts)
      if (!(type in exp.object_counts)) problems.push(`object_counts: ${n} unexpected object(s) of type ${type}`);
  }
  return problems;
}

interface MatchContext {
  objects: StixObject[];
  message: ExpectedMessage;
  authorId: string;
  problems: string[];
}

function checkEntry(entry: ExpectedObject, ctx: MatchContext): void {
  const label = describeEntry(entry);
  const candidates = findCandidates(entry, ctx);
  if (candidates === undefined) return; // endpoint problem already reported
  if (candidates.length === 0) {
    if (!entry.optional) ctx.problems.push(`missing ${label}`);
    return;
  }
  if (candidates.length > 1) {
    ctx.problems.push(`${label} matches ${candidates.length} objects (${candidates.map((c) => c.id).join(', ')})`);
    return;
  }
  const obj = candidates[0] as StixObject;
  const fail = (what: string): void => {
    ctx.problems.push(`${label} (${obj.id}): ${what}`);
  };

  if (entry.id !== undefined) {
    const want = entry.id.startsWith('same as event.entity_id') ? ctx.message.entityId : entry.id;
    if (obj.id !== want) fail(`id is ${obj.id}, expected ${want}`);
  }
  for (const [path, want] of Object.entries(entry.properties ?? {})) {
    const got = getPath(obj, path);
    if (got === undefined) fail(`property ${path} is missing, expected ${show(want)}`);
    else if (!valueMatches(got, want, path)) fail(`property ${path} is ${show(got)}, expected ${show(want)}`);
  }
  for (const [path, want] of Object.entries(entry.should ?? {})) {
    const got = getPath(obj, path);
    if (got !== undefined && !valueMatches(got, want, path)) {
      fail(`property ${path} is ${show(got)}; may be left out, but if set it must be ${show(want)}`);
    }
  }
  for (const path of entry.absent ?? []) {
    const got = getPath(obj, path);
    if (got !== undefined) fail(`property ${path} must not be set, is ${show(got)}`);
  }

  if (entry.created_by === 'author') {
    const got = authorOf(obj);
    if (got !== ctx.authorId) {
      fail(
        `author (${SCO_TYPES.has(obj.type) ? 'x_opencti_created_by_ref' : 'created_by_ref'}) is ${show(got)}, expected ${ctx.authorId}`,
      );
    }
  } else if (entry.created_by === 'unchanged') {
    const received = authorOf(ctx.message.stixEntity);
    const got = authorOf(obj);
    if (got !== undefined && got !== received) {
      fail(`author changed from ${show(received)} to ${show(got)} (must be kept as received)`);
    } else if (got === undefined && received !== undefined && hasOwnAuthorField(obj)) {
      fail(`author ${received} was removed`);
    }
  }

  if (Array.isArray(entry.markings)) {
    const want = entry.markings.map((m) => TLP_MARKING_IDS[m as TlpLevel] ?? m);
    const got = obj.object_marking_refs;
    if (!sameSet(got, want)) fail(`object_marking_refs is ${show(got)}, expected exactly ${show(want)}`);
  } else if (entry.markings === 'unchanged') {
    const received = asStringArray(ctx.message.stixEntity.object_marking_refs);
    const got = obj.object_marking_refs;
    if (got !== undefined && !sameSet(got, received)) {
      fail(`object_marking_refs changed from ${show(received)} to ${show(got)} (must be kept as received)`);
    }
  }

  if (entry.score === 'unchanged-or-absent') {
    const received = scoreOf(ctx.message.stixEntity);
    const got = scoreOf(obj);
    if (got !== undefined && got !== received) {
      fail(`score changed from ${show(received)} to ${show(got)} (must be kept as received or not sent)`);
    }
  }

  const labels = labelsOf(obj);
  const missingLabels = (entry.labels_include ?? []).filter((l) => !labels.includes(l));
  if (missingLabels.length > 0) fail(`labels ${show(labels)} lack ${show(missingLabels)}`);
  if (entry.labels_preserved) {
    const had = [...new Set([...entry.labels_preserved, ...labelsOf(ctx.message.stixEntity)])];
    const lost = had.filter((l) => !labels.includes(l));
    if (lost.length > 0) fail(`labels ${show(labels)} lost the entity's existing ${show(lost)}`);
  }
}

/** Objects matching an entry's natural key; undefined when a relationship endpoint cannot be resolved. */
function findCandidates(entry: ExpectedObject, ctx: MatchContext): StixObject[] | undefined {
  if (entry.type !== 'relationship' || !entry.source || !entry.target) {
    return ctx.objects.filter((o) => matchesNatural(o, { type: entry.type, key: entry.key ?? {} }));
  }
  const sourceIds = resolveEndpoint(entry.source, ctx);
  const targetIds = resolveEndpoint(entry.target, ctx);
  if (sourceIds.length === 0 || targetIds.length === 0) {
    if (!entry.optional) {
      const which = [
        sourceIds.length === 0 ? `source ${describeRef(entry.source)}` : '',
        targetIds.length === 0 ? `target ${describeRef(entry.target)}` : '',
      ]
        .filter(Boolean)
        .join(' and ');
      ctx.problems.push(`missing ${describeEntry(entry)}: its ${which} is not in the result (nor the enriched entity)`);
    }
    return undefined;
  }
  return ctx.objects.filter(
    (o) =>
      o.type === 'relationship' &&
      o.relationship_type === entry.relationship_type &&
      sourceIds.includes(o.source_ref as string) &&
      targetIds.includes(o.target_ref as string),
  );
}

/** Ids an endpoint may have: objects of the result, or the enriched entity (it exists in the platform even if not re-sent). */
function resolveEndpoint(ref: NaturalRef, ctx: MatchContext): string[] {
  const ids = ctx.objects.filter((o) => matchesNatural(o, ref)).map((o) => o.id);
  if (matchesNatural(ctx.message.stixEntity, ref) && !ids.includes(ctx.message.entityId)) {
    ids.push(ctx.message.entityId);
  }
  return ids;
}

function matchesNatural(obj: StixObject, ref: NaturalRef): boolean {
  return (
    obj.type === ref.type &&
    Object.entries(ref.key ?? {}).every(([path, want]) => keyMatches(getPath(obj, path), want, path))
  );
}

/** Natural-key comparison: nested objects match as subsets (e.g. `hashes: {MD5}` on a file with MD5 + SHA-1). */
function keyMatches(got: unknown, want: unknown, path: string): boolean {
  if (isAnyOf(want)) return want.any_of.some((w) => keyMatches(got, w, path));
  if (isPlainObject(want)) {
    return isPlainObject(got) && Object.entries(want).every(([k, w]) => keyMatches(got[k], w, `${path}.${k}`));
  }
  return valueMatches(got, want, path);
}

/** Exact comparison, with `any_of` and time properties compared as instants. */
function valueMatches(got: unknown, want: unknown, path: string): boolean {
  if (isAnyOf(want)) return want.any_of.some((w) => valueMatches(got, w, path));
  if (
    /(^|\.)(start_time|stop_time|created|modified|first_seen|last_seen)$/.test(path) &&
    typeof got === 'string' &&
    typeof want === 'string'
  ) {
    const a = Date.parse(got);
    const b = Date.parse(want);
    return !Number.isNaN(a) && a === b;
  }
  return deepEqual(got, want);
}

/** Dotted path: `hashes.SHA-256` looks inside `hashes`; a key with a dot is tried whole first. */
function getPath(obj: unknown, path: string): unknown {
  if (!isPlainObject(obj)) return undefined;
  if (path in obj) return obj[path];
  const dot = path.indexOf('.');
  if (dot < 0) return undefined;
  return getPath(obj[path.slice(0, dot)], path.slice(dot + 1));
}

/** The author as the OpenCTI importer reads it: created_by_ref, x_opencti_created_by_ref, then the extensions. */
function authorOf(obj: StixObject): string | undefined {
  const ext = extensionsOf(obj);
  const candidates = [
    obj.created_by_ref,
    obj.x_opencti_created_by_ref,
    ext.opencti?.created_by_ref,
    ext.sco?.created_by_ref,
  ];
  return candidates.find((c): c is string => typeof c === 'string');
}

function hasOwnAuthorField(obj: StixObject): boolean {
  const ext = extensionsOf(obj);
  return (
    'created_by_ref' in obj ||
    'x_opencti_created_by_ref' in obj ||
    (ext.sco !== undefined && 'created_by_ref' in ext.sco)
  );
}

/** The score as the importer reads it: x_opencti_score, then the OpenCTI and SCO extensions. */
function scoreOf(obj: StixObject): unknown {
  const ext = extensionsOf(obj);
  return [obj.x_opencti_score, ext.opencti?.score, ext.sco?.score].find((s) => s !== undefined);
}

/** Union of `labels`, `x_opencti_labels` and the extensions' `labels` (EXPECTED.md `labels_include`). */
function labelsOf(obj: StixObject): string[] {
  const ext = extensionsOf(obj);
  return [...new Set([obj.labels, obj.x_opencti_labels, ext.opencti?.labels, ext.sco?.labels].flatMap(asStringArray))];
}

function extensionsOf(obj: StixObject): { opencti?: Record<string, unknown>; sco?: Record<string, unknown> } {
  const extensions = isPlainObject(obj.extensions) ? obj.extensions : {};
  const pick = (id: string): Record<string, unknown> | undefined =>
    isPlainObject(extensions[id]) ? extensions[id] : undefined;
  return { opencti: pick(OPENCTI_EXTENSION_ID), sco: pick(SCO_EXTENSION_ID) };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isAnyOf(v: unknown): v is { any_of: unknown[] } {
  return isPlainObject(v) && Array.isArray(v.any_of) && Object.keys(v).length === 1;
}
function asStringArray(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
function sameSet(got: unknown, want: string[]): boolean {
  const g = asStringArray(got);
  return (
    Array.isArray(got) &&
    g.length === got.length &&
    g.length === want.length &&
    want.every((w) => g.includes(w)) &&
    new Set(g).size === g.length
  );
}
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}
function typeOfId(id: string): string {
  return id.split('--')[0] ?? id;
}
function show(v: unknown): string {
  return v === undefined ? '(absent)' : JSON.stringify(v);
}
function describeRef(ref: NaturalRef): string {
  return `${ref.type} ${JSON.stringify(ref.key)}`;
}
function describeEntry(entry: ExpectedObject): string {
  if (entry.type === 'relationship' && entry.source && entry.target) {
    return `relationship ${describeRef(entry.source)} ${entry.relationship_type ?? '?'} ${describeRef(entry.target)}`;
  }
  return `${entry.ref ? `${entry.ref} ` : ''}${describeRef({ type: entry.type, key: entry.key ?? {} })}`;
}
function describeObject(o: StixObject): string {
  if (o.type === 'relationship') {
    return `${o.id} ${String(o.relationship_type)} ${String(o.source_ref)} -> ${String(o.target_ref)}`;
  }
  const natural = o.value ?? o.name ?? o.number ?? o.hashes;
  return `${o.id}${natural === undefined ? '' : ` ${JSON.stringify(natural)}`}`;
}
