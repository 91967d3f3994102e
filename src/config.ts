/**
 * Configuration: the only reader of `process.env` and `config.yml`.
 *
 * Names follow the OpenCTI connector habits (`OPENCTI_*`, `CONNECTOR_*`, `MQ_*`) plus
 * `PROOFPOINT_ET_*` for this connector and `TEMPORAL_*` for Temporal. The original Python
 * connector's `PROOFPOINT_ET_INTELLIGENCE_*` spellings are accepted as aliases. Environment
 * variables win over `config.yml`, which wins over defaults.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors';
import { OBSERVABLE_TYPES } from './shared/types';
import { TLP_LEVELS, type TlpLevel } from './shared/tlp';

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
  etMaxTlp: { env: ['PROOFPOINT_ET_MAX_TLP', 'PROOFPOINT_ET_INTELLIGENCE_MAX_TLP'], yaml: ['proofpoint_et', 'max_tlp'] },
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

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])], { message: 'must be true or false' })
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');
const url = (_what: string) => z.url({ message: 'must be an http(s) URL', protocol: /^https?$/ });
const optionalString = z.string().trim().min(1).optional();
const positiveInt = (max: number) => z.coerce.number({ message: 'must be a number' }).int('must be a whole number').positive('must be positive').max(max, `must be at most ${max}`);

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
  openctiUrl: url('OPENCTI_URL').optional(),
  openctiToken: optionalString,
  connectorId: z.uuid({ message: 'must be a UUID' }).default(DEFAULT_CONNECTOR_ID),
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
  logLevel: z
    .enum(['debug', 'info', 'warn', 'warning', 'error'])
    .default('info')
    .transform((v) => (v === 'warning' ? 'warn' : v)),
  pingIntervalSeconds: positiveInt(3600).default(40),
  workPingIntervalSeconds: positiveInt(3600).default(240),
  etBaseUrl: url('PROOFPOINT_ET_API_BASE_URL')
    .default(DEFAULT_ET_BASE_URL)
    .transform((v) => (v.endsWith('/') ? v : `${v}/`)),
  etApiKey: optionalString,
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
  etMaxRequestsPerSecond: z.coerce.number().positive().max(10_000).optional(),
  etMaxRequestsPerMinute: z.coerce.number().positive().max(600_000).optional(),
  listenProtocol: z
    .string()
    .transform((v) => v.trim().toUpperCase())
    .pipe(z.enum(['AMQP', 'API'], { message: 'must be AMQP or API' }))
    .default('AMQP'),
  listenApiUri: url('CONNECTOR_LISTEN_PROTOCOL_API_URI').default('http://127.0.0.1:7070'),
  listenApiPath: z.string().trim().startsWith('/', 'must start with /').default('/api/callback'),
  listenApiPort: positiveInt(65535).default(7070),
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
  mqPort: positiveInt(65535).optional(),
  mqVhost: optionalString,
  mqUseSsl: bool.optional(),
  mqUser: optionalString,
  mqPass: optionalString,
  healthPort: z.coerce.number({ message: 'must be a number' }).int().min(0).max(65535).optional(),
  healthHost: z.string().trim().min(1).default('127.0.0.1'),
  metricsPort: z.coerce.number({ message: 'must be a number' }).int().min(1).max(65535).optional(),
});

type Parsed = z.output<typeof schema>;
export type Config = Omit<Parsed, 'etMaxTlp' | 'etMaxRequestsPerMinute'> & { etMaxTlp: TlpLevel };

/** What the connector needs to talk to OpenCTI; absent in sandbox-less CLI runs. */
export interface OpenCtiSettings {
  url: string;
  token: string;
}

function readYaml(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  if (!existsSync(path)) throw new ConfigError([`CONFIG_FILE: no file at ${path}`]);
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'), { uniqueKeys: true });
  } catch (err) {
    // The parser's message quotes the offending line, which may hold a secret: give only its place.
    const where = (err as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    throw new ConfigError([`${path}: not valid YAML${where ? ` (line ${where.line}, column ${where.col})` : ''}; fix the file or remove it`]);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError([`${path}: must be a mapping of sections (opencti:, connector:, proofpoint_et:, temporal:); see config.yml.sample`]);
  return doc as Record<string, unknown>;
}

function fromYaml(doc: Record<string, unknown>, path: readonly string[]): unknown {
  let cur: unknown = doc;
  for (const part of path) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Values given in several places under different names (canonical and alias) must agree. */
function collect(env: NodeJS.ProcessEnv, doc: Record<string, unknown>, problems: string[]): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [key, src] of Object.entries(SOURCES) as [SourceKey, (typeof SOURCES)[SourceKey]][]) {
    const given = src.env.filter((name) => env[name] !== undefined && env[name] !== '');
    if (given.length > 1 && new Set(given.map((n) => env[n])).size > 1) {
      problems.push(`${given.join(' and ')}: both set to different values; keep one`);
    }
    const envName = given[0];
    raw[key] = envName ? env[envName] : fromYaml(doc, src.yaml);
  }
  return raw;
}

/** The env var an operator should fix for a config key (its canonical name). */
function nameOf(key: PropertyKey | undefined): string {
  if (typeof key === 'string' && key in SOURCES) return SOURCES[key as SourceKey].env[0];
  return String(key ?? 'config');
}

/**
 * What the caller needs besides valid values: `connector` (worker, bridge: OpenCTI and ET, unless
 * none of the three is set, which means sandbox mode), `et` (the CLI's one-off enrichment).
 */
export type ConfigNeeds = 'none' | 'connector' | 'et';

const PLACEHOLDER = /^changeme$/i;

function requirementProblems(raw: Record<string, unknown>, needs: ConfigNeeds): string[] {
  const given = (key: string) => typeof raw[key] === 'string' ? (raw[key] as string).trim() !== '' : raw[key] !== undefined && raw[key] !== null;
  const problems: string[] = [];
  if (needs === 'none') return problems;
  for (const key of ['openctiToken', 'etApiKey', 'connectorId'] as const) {
    if (typeof raw[key] === 'string' && PLACEHOLDER.test((raw[key] as string).trim())) {
      problems.push(`${nameOf(key)}: still the sample's placeholder "ChangeMe"; set the real value`);
    }
  }
  if (needs === 'et' && !given('etApiKey')) problems.push('PROOFPOINT_ET_API_KEY: required (your ET Intelligence API key)');
  if (needs === 'connector') {
    const sandbox = !given('openctiUrl') && !given('openctiToken') && !given('etApiKey');
    if (!sandbox) {
      if (!given('openctiUrl')) problems.push('OPENCTI_URL: required (the URL of your OpenCTI platform)');
      if (!given('openctiToken')) problems.push("OPENCTI_TOKEN: required (the API token of the connector's OpenCTI user)");
      if (!given('etApiKey')) problems.push('PROOFPOINT_ET_API_KEY: required (your ET Intelligence API key)');
    }
  }
  return problems;
}

/**
 * Reads and validates the configuration. Throws {@link ConfigError} listing every problem at once
 * (wrong values and missing required ones together). Messages never contain the values given, so
 * secrets cannot leak through them.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, needs: ConfigNeeds = 'none', extraProblems: readonly string[] = []): Config {
  // ./config.yml is looked for only with the real environment: an explicit env object is the whole config.
  const yamlPath = env.CONFIG_FILE || (env === process.env && existsSync('config.yml') ? 'config.yml' : undefined);
  const problems: string[] = [...extraProblems];
  const raw = collect(env, readYaml(yamlPath), problems);
  problems.push(...requirementProblems(raw, needs));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${nameOf(issue.path[0])}: ${issue.message}`);
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const { etMaxRequestsPerMinute, ...rest } = parsed.data;
  if (rest.etMaxRequestsPerSecond !== undefined && etMaxRequestsPerMinute !== undefined) {
    throw new ConfigError(['PROOFPOINT_ET_MAX_REQUESTS_PER_SECOND and PROOFPOINT_ET_MAX_REQUESTS_PER_MINUTE: set one budget, not both']);
  }
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
