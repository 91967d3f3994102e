/**
 * Configuration: the only reader of `process.env` and `config.yml`.
 *
 * Names follow the OpenCTI connector habits (`OPENCTI_*`, `CONNECTOR_*`, `MQ_*`) plus
 * `PROOFPOINT_ET_*` for this connector and `TEMPORAL_*` for Temporal. The original Python
 * connector's `PROOFPOINT_ET_INTELLIGENCE_*` spellings (and its `proofpoint_et_intelligence:`
 * config.yml section) are accepted as aliases; two spellings with different values are refused.
 * Environment variables win over `config.yml`, which wins over defaults. Unknown config.yml keys are
 * refused, so a typo never leaves a setting at its default unnoticed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors';
import { OBSERVABLE_TYPES } from './shared/types';
import { TLP_LEVELS, type TlpLevel } from './shared/tlp';

/** The id in sandbox mode and for commands that register nothing; a real platform needs CONNECTOR_ID. */
export const DEFAULT_CONNECTOR_ID = 'f2de8084-47ab-4ff2-ae63-e5a7c6e5c720';
export const DEFAULT_CONNECTOR_NAME = 'ProofPoint ET Intelligence';
export const DEFAULT_ET_BASE_URL = 'https://api.emergingthreats.net/v1/';
export const DEFAULT_TASK_QUEUE = 'proofpoint-et-enrichment';

/** Env var name -> path in config.yml. The first name of each group is the canonical one. */
const SOURCES = {
  openctiUrl: { env: ['OPENCTI_URL'], yaml: ['opencti', 'url'] },
  openctiToken: { env: ['OPENCTI_TOKEN'], yaml: ['opencti', 'token'] },
  connectorId: { env: ['CONNECTOR_ID'], yaml: ['connector', 'id'] },
  connectorName: { env: ['CONNECTOR_NAME'], yaml: ['connector', 'name'] },
  connectorScope: { env: ['CONNECTOR_SCOPE'], yaml: ['connector', 'scope'] },
  connectorAuto: { env: ['CONNECTOR_AUTO'], yaml: ['connector', 'auto'] },
  logLevel: { env: ['CONNECTOR_LOG_LEVEL'], yaml: ['connector', 'log_level'] },
  pingIntervalSeconds: { env: ['CONNECTOR_PING_INTERVAL'], yaml: ['connector', 'ping_interval'] },
  workPingIntervalSeconds: { env: ['CONNECTOR_WORK_PING_INTERVAL'], yaml: ['connector', 'work_ping_interval'] },
  etBaseUrl: {
    env: ['PROOFPOINT_ET_API_BASE_URL', 'PROOFPOINT_ET_INTELLIGENCE_API_BASE_URL'],
    yaml: ['proofpoint_et', 'api_base_url'],
  },
  etApiKey: { env: ['PROOFPOINT_ET_API_KEY', 'PROOFPOINT_ET_INTELLIGENCE_API_KEY'], yaml: ['proofpoint_et', 'api_key'] },
  etMaxTlp: { env: ['PROOFPOINT_ET_MAX_TLP', 'PROOFPOINT_ET_INTELLIGENCE_MAX_TLP', 'CONNECTOR_MAX_TLP'], yaml: ['proofpoint_et', 'max_tlp'] },
  etLastSeenWindow: {
    env: ['PROOFPOINT_ET_IMPORT_LAST_SEEN_TIME_WINDOW', 'PROOFPOINT_ET_INTELLIGENCE_IMPORT_LAST_SEEN_TIME_WINDOW'],
    yaml: ['proofpoint_et', 'import_last_seen_time_window'],
  },
  etMaxRelated: { env: ['PROOFPOINT_ET_MAX_RELATED_PER_KIND'], yaml: ['proofpoint_et', 'max_related_per_kind'] },
  etRequestTimeoutSeconds: { env: ['PROOFPOINT_ET_REQUEST_TIMEOUT'], yaml: ['proofpoint_et', 'request_timeout'] },
  etMaxRequestsPerSecond: { env: ['PROOFPOINT_ET_MAX_REQUESTS_PER_SECOND'], yaml: ['proofpoint_et', 'max_requests_per_second'] },
  etMaxRequestsPerMinute: { env: ['PROOFPOINT_ET_MAX_REQUESTS_PER_MINUTE'], yaml: ['proofpoint_et', 'max_requests_per_minute'] },
  autoReuseWindow: { env: ['PROOFPOINT_ET_AUTO_REUSE_WINDOW'], yaml: ['proofpoint_et', 'auto_reuse_window'] },
  autoEnrichOwnOutput: { env: ['PROOFPOINT_ET_AUTO_ENRICH_OWN_OUTPUT'], yaml: ['proofpoint_et', 'auto_enrich_own_output'] },
  listenProtocol: { env: ['CONNECTOR_LISTEN_PROTOCOL'], yaml: ['connector', 'listen_protocol'] },
  listenApiUri: { env: ['CONNECTOR_LISTEN_PROTOCOL_API_URI'], yaml: ['connector', 'listen_protocol_api_uri'] },
  listenApiPath: { env: ['CONNECTOR_LISTEN_PROTOCOL_API_PATH'], yaml: ['connector', 'listen_protocol_api_path'] },
  listenApiPort: { env: ['CONNECTOR_LISTEN_PROTOCOL_API_PORT'], yaml: ['connector', 'listen_protocol_api_port'] },
  listenApiHost: { env: ['CONNECTOR_LISTEN_PROTOCOL_API_HOST'], yaml: ['connector', 'listen_protocol_api_host'] },
  queueProtocol: { env: ['CONNECTOR_QUEUE_PROTOCOL'], yaml: ['connector', 'queue_protocol'] },
  temporalAddress: { env: ['TEMPORAL_ADDRESS'], yaml: ['temporal', 'address'] },
  temporalNamespace: { env: ['TEMPORAL_NAMESPACE'], yaml: ['temporal', 'namespace'] },
  temporalTaskQueue: { env: ['TEMPORAL_TASK_QUEUE'], yaml: ['temporal', 'task_queue'] },
  mqHost: { env: ['MQ_HOST'], yaml: ['mq', 'host'] },
  mqPort: { env: ['MQ_PORT'], yaml: ['mq', 'port'] },
  mqVhost: { env: ['MQ_VHOST'], yaml: ['mq', 'vhost'] },
  mqUseSsl: { env: ['MQ_USE_SSL'], yaml: ['mq', 'use_ssl'] },
  mqUser: { env: ['MQ_USER'], yaml: ['mq', 'user'] },
  mqPass: { env: ['MQ_PASS'], yaml: ['mq', 'pass'] },
  healthPort: { env: ['CONNECTOR_HEALTH_PORT'], yaml: ['connector', 'health_port'] },
  healthHost: { env: ['CONNECTOR_HEALTH_HOST'], yaml: ['connector', 'health_host'] },
  metricsPort: { env: ['CONNECTOR_METRICS_PORT'], yaml: ['connector', 'metrics_port'] },
} as const;
type SourceKey = keyof typeof SOURCES;

/** Every setting's canonical environment variable name (the manifest's config schema lists them). */
export const CONFIG_ENV_NAMES: readonly string[] = Object.values(SOURCES).map((s) => s.env[0]);

/** The original Python connector's config.yml section, read as an alias of `proofpoint_et:`. */
const YAML_ALIAS_SECTIONS: Record<string, string> = { proofpoint_et_intelligence: 'proofpoint_et' };
/**
 * Keys a pycti config.yml carries that mean nothing here: accepted, not used. The type is fixed;
 * confidence comes from the connector user's settings in OpenCTI (pycti deprecated the key).
 */
const IGNORED_YAML_KEYS = new Set(['connector.type', 'connector.confidence_level']);

/** Every config.yml path a setting may be read from, the canonical one first. */
function yamlPaths(key: SourceKey): string[][] {
  const [section, name] = SOURCES[key].yaml;
  const aliases = Object.entries(YAML_ALIAS_SECTIONS).filter(([, canonical]) => canonical === section);
  return [[section, name], ...aliases.map(([alias]) => [alias, name])];
}

// pycti's get_config_variable takes yes/no and true/false (also True/False); 1/0 are kept from before.
const BOOL_WORDS = new Map([['true', true], ['yes', true], ['1', true], ['false', false], ['no', false], ['0', false]]);
const bool = z.string().transform((v, ctx) => {
  const b = BOOL_WORDS.get(v.trim().toLowerCase());
  if (b === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be true or false (yes/no and 1/0 also work)' });
    return z.NEVER;
  }
  return b;
});

/** Why a URL setting is unusable, or null. Never quotes the text: it may hold a password. */
function urlProblem(text: string, credentialsHint: string): string | null {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    return 'must be an http(s) URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be an http(s) URL';
  // Userinfo would be logged with the URL (retry warnings) and is never how these services authenticate.
  if (u.username || u.password) return `must not contain a user name or password (user:password@host); ${credentialsHint}`;
  // Paths are appended to these bases: a query or fragment would swallow them.
  if (/[?#]/.test(text)) return 'must not have a query string (?…) or fragment (#…); give the base URL only';
  return null;
}

const url = (credentialsHint: string) =>
  z.string().superRefine((v, ctx) => {
    const problem = urlProblem(v, credentialsHint);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const optionalString = z.string().trim().min(1).optional();
const positiveInt = (max: number) => z.coerce.number({ message: 'must be a number' }).int('must be a whole number').positive('must be positive').max(max, `must be at most ${max}`);
const port = (allowZero: boolean) => {
  const message = allowZero ? 'must be a port number 1-65535 (or 0 for off)' : 'must be a port number 1-65535';
  return z.coerce.number({ message }).int(message).min(allowZero ? 0 : 1, message).max(65535, message);
};
const rate = (max: number) => z.coerce.number({ message: 'must be a positive number' }).positive('must be a positive number').max(max, `must be at most ${max}`);
// Sent in an HTTP header: anything but printable ASCII fails every request as 'invalid authorization header'.
const secret = z
  .string()
  .trim()
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces or control characters (look for a stray character pasted from a document, such as an ellipsis or a typographic quote; the value is not shown)')
  .optional();
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const LOG_LEVELS = new Map<string, 'debug' | 'info' | 'warn' | 'error'>([['debug', 'debug'], ['info', 'info'], ['warn', 'warn'], ['warning', 'warn'], ['error', 'error']]);

/** ISO 8601 duration limited to what operators use here: PnW, PnDTnHnMnS. Returns milliseconds. */
export function parseIsoDuration(text: string): number | null {
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text.trim());
  if (!m || text.trim() === 'P' || text.trim().endsWith('T')) return null;
  const [, w, d, h, min, s] = m.map((x) => (x === undefined ? 0 : Number(x)));
  const ms = ((((w ?? 0) * 7 + (d ?? 0)) * 24 + (h ?? 0)) * 60 + (min ?? 0)) * 60_000 + (s ?? 0) * 1000;
  return ms > 0 ? ms : null;
}

const isoDuration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const ms = parseIsoDuration(v);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 duration such as P30D, PT24H or P1W' });
        return z.NEVER;
      }
      return { text: v.trim(), ms };
    });

const schema = z.object({
  openctiUrl: url('OpenCTI authenticates with OPENCTI_TOKEN').optional(),
  openctiToken: secret,
  connectorId: z
    .string()
    .trim()
    .regex(UUID_SHAPE, 'must be a UUID (8-4-4-4-12 hex digits, e.g. from uuidgen)')
    .refine((v) => v !== NIL_UUID, 'must not be the nil UUID (all zeros): generate one of your own, e.g. with uuidgen')
    .default(DEFAULT_CONNECTOR_ID),
  connectorName: z.string().trim().min(2, 'must be at least 2 characters').default(DEFAULT_CONNECTOR_NAME),
  connectorScope: z
    .union([z.string(), z.array(z.string())])
    .default(OBSERVABLE_TYPES.join(','))
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s.length > 0))
    .pipe(
      z
        .array(z.string())
        .min(1, 'must list at least one entity type')
        .refine((types) => types.every((t) => OBSERVABLE_TYPES.some((o) => o.toLowerCase() === t.toLowerCase())), {
          message: `may only list ${OBSERVABLE_TYPES.join(', ')} (the types ET Intelligence knows)`,
        }),
    ),
  connectorAuto: bool.default(true),
  // pycti lower-cases the level: INFO and Warning are the same as info and warn.
  logLevel: z
    .string()
    .transform((v, ctx) => {
      const level = LOG_LEVELS.get(v.trim().toLowerCase());
      if (!level) {
        ctx.addIssue({ code: 'custom', message: 'must be one of debug, info, warn (or warning), error' });
        return z.NEVER;
      }
      return level;
    })
    .default('info'),
  pingIntervalSeconds: positiveInt(3600).default(40),
  workPingIntervalSeconds: positiveInt(3600).default(240),
  etBaseUrl: url('ET authenticates with PROOFPOINT_ET_API_KEY')
    .default(DEFAULT_ET_BASE_URL)
    .transform((v) => (v.endsWith('/') ? v : `${v}/`)),
  etApiKey: secret,
  etMaxTlp: z
    .string()
    .transform((v) => v.trim().toUpperCase())
    .pipe(z.enum(TLP_LEVELS, { message: `must be one of ${TLP_LEVELS.join(', ')}` }))
    .default('TLP:AMBER+STRICT'),
  etLastSeenWindow: isoDuration('P30D'),
  autoReuseWindow: isoDuration('PT1H'),
  autoEnrichOwnOutput: bool.default(false),
  // Each ET answer travels through Temporal's history, whose payloads are refused above 2 MB: 5,000
  // related items per kind stay under 0.5 MB per answer (about 90 bytes each).
  etMaxRelated: positiveInt(5_000).default(500),
  // Below the ET activities' 1-minute start-to-close timeout (src/workflows/enrich-observable.ts).
  etRequestTimeoutSeconds: positiveInt(45).default(20),
  etMaxRequestsPerSecond: rate(10_000).optional(),
  etMaxRequestsPerMinute: rate(600_000).optional(),
  listenProtocol: z
    .string()
    .transform((v) => v.trim().toUpperCase())
    .pipe(z.enum(['AMQP', 'API'], { message: 'must be AMQP or API' }))
    .default('AMQP'),
  listenApiUri: url('the platform calls it without credentials').default('http://127.0.0.1:7070'),
  listenApiPath: z.string().trim().startsWith('/', 'must start with /').default('/api/callback'),
  listenApiPort: port(false).default(7070),
  listenApiHost: z.string().trim().min(1).default('127.0.0.1'),
  queueProtocol: z
    .string()
    .transform((v) => v.trim().toLowerCase())
    .pipe(z.enum(['amqp', 'api'], { message: 'must be amqp or api' }))
    .default('amqp'),
  temporalAddress: optionalString,
  temporalNamespace: z.string().trim().min(1).default('default'),
  temporalTaskQueue: z.string().trim().min(1).default(DEFAULT_TASK_QUEUE),
  mqHost: optionalString,
  mqPort: port(false).optional(),
  mqVhost: optionalString,
  mqUseSsl: bool.optional(),
  mqUser: optionalString,
  mqPass: optionalString,
  healthPort: port(true).optional(),
  healthHost: z.string().trim().min(1).default('127.0.0.1'),
  metricsPort: port(false).optional(),
});

type Parsed = z.output<typeof schema>;
export type Config = Omit<Parsed, 'etMaxTlp' | 'etMaxRequestsPerMinute'> & { etMaxTlp: TlpLevel };

/** What the connector needs to talk to OpenCTI; absent in sandbox-less CLI runs. */
export interface OpenCtiSettings {
  url: string;
  token: string;
}

interface YamlSource {
  /** The file as the operator named it (messages say `<file> section.key`). */
  file: string;
  doc: Record<string, unknown>;
}

function readYaml(path: string | undefined): YamlSource | null {
  if (!path) return null;
  if (!existsSync(path)) throw new ConfigError([`CONFIG_FILE: no file at ${path}`]);
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'), { uniqueKeys: true });
  } catch (err) {
    // The parser's message quotes the offending line, which may hold a secret: give only its place.
    const where = (err as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    throw new ConfigError([`${path}: not valid YAML${where ? ` (line ${where.line}, column ${where.col})` : ''}; fix the file or remove it`]);
  }
  if (doc === null || doc === undefined) return null;
  if (!isMapping(doc)) throw new ConfigError([`${path}: must be a mapping of sections (opencti:, connector:, proofpoint_et:, temporal:); see config.yml.sample`]);
  return { file: path, doc };
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fromYaml(doc: Record<string, unknown>, path: readonly string[]): unknown {
  let cur: unknown = doc;
  for (const part of path) {
    if (!isMapping(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** Levenshtein distance, for "did you mean" hints on mistyped config.yml keys. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest candidate within a few edits, if any. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  const scored = candidates.map((c) => ({ c, d: distance(word.toLowerCase(), c) })).sort((x, y) => x.d - y.d);
  const best = scored[0];
  return best && best.d <= Math.max(2, Math.floor(word.length / 4)) ? best.c : undefined;
}

const KNOWN_KEYS: Record<string, string[]> = {};
for (const key of Object.keys(SOURCES) as SourceKey[]) {
  for (const [section, name] of yamlPaths(key)) (KNOWN_KEYS[section!] ??= []).push(name!);
}

function unknownKeyProblem(file: string, section: string, key: string): string {
  const here = closest(key, KNOWN_KEYS[section] ?? []);
  const elsewhere = Object.keys(KNOWN_KEYS).find((s) => s !== section && KNOWN_KEYS[s]!.includes(key));
  const hint = here ? `; did you mean ${section}.${here}?` : elsewhere ? `; it belongs in ${elsewhere}: (${elsewhere}.${key})` : '';
  return `${file} ${section}.${key}: unknown key${hint}`;
}

/** A typo in config.yml would otherwise leave the setting at its default without a word. */
function yamlKeyProblems(yaml: YamlSource): string[] {
  const problems: string[] = [];
  const sections = Object.keys(KNOWN_KEYS);
  for (const [section, body] of Object.entries(yaml.doc)) {
    if (!KNOWN_KEYS[section]) {
      const near = closest(section, sections);
      problems.push(`${yaml.file} ${section}: unknown section${near ? `; did you mean ${near}?` : ''} (known: ${sections.join(', ')})`);
    } else if (body !== null && body !== undefined && !isMapping(body)) {
      problems.push(`${yaml.file} ${section}: must be a mapping of keys (see config.yml.sample)`);
    } else {
      for (const key of Object.keys(body ?? {})) {
        if (!KNOWN_KEYS[section]!.includes(key) && !IGNORED_YAML_KEYS.has(`${section}.${key}`)) problems.push(unknownKeyProblem(yaml.file, section, key));
      }
    }
  }
  return problems;
}

/** One value as the schema expects it: text (numbers and booleans from YAML too), or a list for the scope. */
function normalise(value: unknown): string | string[] | undefined | 'not-scalar' {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return value.every((v) => typeof v !== 'object') ? value.map(String) : 'not-scalar';
  if (typeof value === 'object') return 'not-scalar';
  const text = String(value);
  // Blank means unset, as in pycti: the default applies.
  return text.trim() === '' ? undefined : text;
}

/** The raw values, and where each came from (an env var name, or `<file> section.key`). */
interface Collected {
  raw: Record<string, unknown>;
  origin: Partial<Record<SourceKey, string>>;
  /** Settings already reported: no second line about the same value. */
  reported: Set<SourceKey>;
}

/** The first of several spellings given; several given with different values is a problem. */
function pick(candidates: { label: string; value: unknown }[], problems: string[]): { label: string; value: unknown } | undefined {
  const given = candidates.filter((c) => c.value !== undefined);
  if (given.length > 1 && new Set(given.map((c) => JSON.stringify(c.value))).size > 1) {
    problems.push(`${given.map((c) => c.label).join(' and ')}: both set to different values; keep one`);
  }
  return given[0];
}

/** Environment first, then config.yml; within each, the canonical name before its aliases. */
function collect(env: NodeJS.ProcessEnv, yaml: YamlSource | null, problems: string[]): Collected {
  const out: Collected = { raw: {}, origin: {}, reported: new Set() };
  for (const key of Object.keys(SOURCES) as SourceKey[]) {
    const fromEnv = pick(SOURCES[key].env.map((name) => ({ label: name, value: normalise(env[name]) })), problems);
    const fromFile = yaml ? pick(yamlPaths(key).map((p) => ({ label: `${yaml.file} ${p.join('.')}`, value: normalise(fromYaml(yaml.doc, p)) })), problems) : undefined;
    const chosen = fromEnv ?? fromFile;
    if (!chosen) continue;
    out.origin[key] = chosen.label;
    if (chosen.value === 'not-scalar' || (Array.isArray(chosen.value) && key !== 'connectorScope')) {
      problems.push(`${chosen.label}: must be a single value, not a list or mapping`);
      out.reported.add(key);
      continue;
    }
    out.raw[key] = chosen.value;
  }
  return out;
}

/** The name to fix for a setting: where its value came from, else its canonical env var. */
function nameOf(key: PropertyKey | undefined, origin: Collected['origin']): string {
  if (typeof key === 'string' && key in SOURCES) return origin[key as SourceKey] ?? SOURCES[key as SourceKey].env[0];
  return String(key ?? 'config');
}

/**
 * What the caller needs besides valid values: `connector` (worker, bridge: OpenCTI and ET, unless
 * none of the three is set, which means sandbox mode), `et` (the CLI's one-off enrichment),
 * `platform` (the CLI asking the platform to enrich an entity with the running connector).
 */
export type ConfigNeeds = 'none' | 'connector' | 'et' | 'platform';

const PLACEHOLDER = /^changeme$/i;

function placeholderProblems(c: Collected, needs: ConfigNeeds): string[] {
  // The connector id is always validated; the secrets only when they are going to be used.
  const keys: SourceKey[] = needs === 'none' ? ['connectorId'] : ['openctiToken', 'etApiKey', 'connectorId'];
  const problems: string[] = [];
  for (const key of keys) {
    const value = c.raw[key];
    if (typeof value === 'string' && PLACEHOLDER.test(value.trim())) {
      problems.push(`${nameOf(key, c.origin)}: still the sample's placeholder "ChangeMe"; set the real value`);
      c.reported.add(key);
    }
  }
  return problems;
}

function requirementProblems(raw: Record<string, unknown>, needs: ConfigNeeds): string[] {
  const given = (key: SourceKey) => raw[key] !== undefined;
  const problems: string[] = [];
  if (needs === 'et' && !given('etApiKey')) problems.push('PROOFPOINT_ET_API_KEY: required (your ET Intelligence API key)');
  if (needs === 'platform') {
    if (!given('openctiUrl')) problems.push('OPENCTI_URL: required to enrich an OpenCTI entity (--entity)');
    if (!given('openctiToken')) problems.push('OPENCTI_TOKEN: required to enrich an OpenCTI entity (--entity)');
    if (!given('connectorId')) problems.push('CONNECTOR_ID: required to enrich an OpenCTI entity (--entity): the id of the running connector');
  }
  if (needs === 'connector') {
    const sandbox = !given('openctiUrl') && !given('openctiToken') && !given('etApiKey');
    if (!sandbox) {
      if (!given('openctiUrl')) problems.push('OPENCTI_URL: required (the URL of your OpenCTI platform)');
      if (!given('openctiToken')) problems.push("OPENCTI_TOKEN: required (the API token of the connector's OpenCTI user)");
      if (!given('etApiKey')) problems.push('PROOFPOINT_ET_API_KEY: required (your ET Intelligence API key)');
      // A shared default id would make two deployments consume each other's queues (named after it).
      if (!given('connectorId')) problems.push('CONNECTOR_ID: required against a real platform (a UUID of your own, e.g. from uuidgen; the connector\'s queues are named after it)');
    }
  }
  return problems;
}

/** Checks across settings, on valid values. */
function crossProblems(data: Parsed, origin: Collected['origin']): string[] {
  const problems: string[] = [];
  if (data.etMaxRequestsPerSecond !== undefined && data.etMaxRequestsPerMinute !== undefined) {
    problems.push(`${nameOf('etMaxRequestsPerSecond', origin)} and ${nameOf('etMaxRequestsPerMinute', origin)}: set one budget, not both`);
  }
  if (data.healthPort && data.metricsPort && data.healthPort === data.metricsPort) {
    problems.push(`${nameOf('metricsPort', origin)} and ${nameOf('healthPort', origin)}: the same port; give each its own`);
  }
  return problems;
}

/**
 * Reads and validates the configuration. Throws {@link ConfigError} listing every problem at once
 * (wrong values, missing required ones and unknown config.yml keys together). Messages never contain
 * the values given, so secrets cannot leak through them.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, needs: ConfigNeeds = 'none', extraProblems: readonly string[] = []): Config {
  // ./config.yml is looked for only with the real environment: an explicit env object is the whole config.
  const yamlPath = env.CONFIG_FILE || (env === process.env && existsSync('config.yml') ? 'config.yml' : undefined);
  const yaml = readYaml(yamlPath);
  const problems: string[] = [...extraProblems, ...(yaml ? yamlKeyProblems(yaml) : [])];
  const collected = collect(env, yaml, problems);
  problems.push(...placeholderProblems(collected, needs), ...requirementProblems(collected.raw, needs));
  const parsed = schema.safeParse(collected.raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path[0];
      if (typeof key === 'string' && collected.reported.has(key as SourceKey)) continue;
      problems.push(`${nameOf(key, collected.origin)}: ${issue.message}`);
    }
  } else {
    problems.push(...crossProblems(parsed.data, collected.origin));
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const { etMaxRequestsPerMinute, ...rest } = parsed.data;
  return { ...rest, etMaxRequestsPerSecond: rest.etMaxRequestsPerSecond ?? (etMaxRequestsPerMinute ? etMaxRequestsPerMinute / 60 : undefined) } as Config;
}

/** Checks the settings needed to serve an OpenCTI platform (the bridge and the worker). */
export function requireOpenCti(config: Config): OpenCtiSettings & { etApiKey: string } {
  const problems: string[] = [];
  if (!config.openctiUrl) problems.push('OPENCTI_URL: required (the URL of your OpenCTI platform)');
  if (!config.openctiToken) problems.push("OPENCTI_TOKEN: required (the API token of the connector's OpenCTI user)");
  if (!config.etApiKey) problems.push('PROOFPOINT_ET_API_KEY: required (your ET Intelligence API key)');
  if (problems.length > 0) throw new ConfigError(problems);
  return { url: config.openctiUrl!, token: config.openctiToken!, etApiKey: config.etApiKey! };
}
