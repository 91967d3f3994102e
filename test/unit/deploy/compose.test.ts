/**
 * The production compose file cannot run here (no Docker engine), so it is validated offline:
 * dclint (compose schema and lint rules) plus the properties an operator relies on.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_ENV_NAMES, loadConfig } from '../../../src/config';
import { ALL_SEARCH_ATTRIBUTES } from '../../../src/shared/search-attributes';

const ROOT = join(__dirname, '../../..');
const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(text) as {
  services: Record<
    string,
    { image?: string; build?: string; pull_policy?: string; restart?: string; healthcheck?: unknown; stop_grace_period?: string; environment?: Record<string, string>; command?: string[] }
  >;
  'x-connector-env': Record<string, string>;
};
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const manifest = JSON.parse(readFileSync(join(ROOT, '__metadata__/connector_manifest.json'), 'utf8')) as { container_image: string; container_version: string };

const REQUIRED_SECRETS = ['OPENCTI_TOKEN', 'PROOFPOINT_ET_API_KEY', 'CONNECTOR_ID', 'TEMPORAL_DB_PASSWORD'];

/**
 * Compose's variable interpolation, for the two forms the file uses: `${VAR:-default}` (the default
 * when VAR is unset or empty) and `${VAR:?message}` (compose refuses to start with the message).
 */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::([-?])([^}]*))?\}/g, (_, name: string, op: string | undefined, arg: string) => {
    const set = env[name];
    if (set) return set;
    if (op === '?') throw new Error(`required variable ${name} is missing a value: ${arg}`);
    return op === '-' ? arg : '';
  });
}
function connectorEnv(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(compose['x-connector-env']).map(([k, v]) => [k, interpolate(String(v), env)]));
}
const SECRETS_SET = { CONNECTOR_ID: '6f0a7a6e-4f7c-4b8e-9a51-0e2f4c1d2b3a', OPENCTI_TOKEN: 'a-real-token', PROOFPOINT_ET_API_KEY: 'a-real-key', TEMPORAL_DB_PASSWORD: 'a-real-password' };

describe('docker-compose.yml', () => {
  it('passes dclint (the compose schema and its rules) without errors', () => {
    const out = execFileSync(process.execPath, [join(ROOT, 'node_modules/dclint/bin/dclint.cjs'), '-q', join(ROOT, 'docker-compose.yml')], { encoding: 'utf8' });
    expect(out.trim()).toBe('');
  });

  it('pins every image tag', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (!svc.image) continue;
      expect(svc.image, name).toMatch(/^[\w./-]+:\d[\w.-]*$/);
    }
  });

  it('runs Temporal on PostgreSQL with a schema job, a namespace job, the UI, and the connector worker and bridge', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['connector-bridge', 'connector-worker', 'postgresql', 'temporal', 'temporal-namespace', 'temporal-schema', 'temporal-ui'].sort(),
    );
    expect(compose.services.temporal?.environment?.DB).toBe('postgres12');
    expect(compose.services['connector-worker']?.command).toEqual(['worker']);
    expect(compose.services['connector-bridge']?.command).toEqual(['bridge']);
  });

  it('registers every search attribute the workflows set', () => {
    for (const key of ALL_SEARCH_ATTRIBUTES) expect(text).toContain(key.name);
  });

  it('gives long-running services a restart policy and the worker a stop grace above its 30 s shutdown grace', () => {
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'connector-worker', 'connector-bridge']) {
      expect(compose.services[name]?.restart, name).toBe('unless-stopped');
    }
    expect(Number.parseInt(compose.services['connector-worker']?.stop_grace_period ?? '0', 10)).toBeGreaterThan(30);
    for (const name of ['postgresql', 'temporal', 'connector-worker', 'connector-bridge']) expect(compose.services[name]?.healthcheck, name).toBeDefined();
    // The connector's health checks probe /readyz on the port the connector is told to serve.
    expect(compose['x-connector-env'].CONNECTOR_HEALTH_PORT).toBe('8081');
    expect(JSON.stringify(compose.services['connector-worker']?.healthcheck)).toContain('127.0.0.1:8081/readyz');
  });

  it('refuses to start without each required secret (`${VAR:?message}`), and never ships a placeholder password', () => {
    for (const name of REQUIRED_SECRETS) {
      const uses = [...text.matchAll(new RegExp(`\\$\\{${name}(:[-?]?)?[^}]*\\}`, 'g'))].map((m) => m[0]);
      expect(uses.length, name).toBeGreaterThan(0);
      for (const use of uses) expect(use, name).toMatch(new RegExp(`^\\$\\{${name}:\\?.+\\}$`));
    }
    expect(text).not.toMatch(/ChangeMe/);
    // Postgres is initialised with the password it is first started with: it must be the operator's.
    for (const [svc, key] of [['postgresql', 'POSTGRES_PASSWORD'], ['temporal', 'POSTGRES_PWD'], ['temporal-schema', 'SQL_PASSWORD']] as const) {
      expect(compose.services[svc]?.environment?.[key], svc).toMatch(/^\$\{TEMPORAL_DB_PASSWORD:\?/);
    }
    const missing = (omit: string) => () => connectorEnv(Object.fromEntries(Object.entries(SECRETS_SET).filter(([k]) => k !== omit)));
    for (const name of ['OPENCTI_TOKEN', 'PROOFPOINT_ET_API_KEY', 'CONNECTOR_ID']) expect(missing(name), name).toThrow(new RegExp(`${name} is missing a value: set ${name}`));
  });

  it('lets operators set their settings from .env (`${VAR:-default}`), with defaults our config loader accepts', () => {
    for (const name of ['CONNECTOR_AUTO', 'CONNECTOR_SCOPE', 'CONNECTOR_NAME', 'CONNECTOR_LOG_LEVEL', 'PROOFPOINT_ET_MAX_TLP', 'PROOFPOINT_ET_IMPORT_LAST_SEEN_TIME_WINDOW', 'TEMPORAL_NAMESPACE']) {
      expect(compose['x-connector-env'][name], name).toMatch(new RegExp(`^\\$\\{${name}:-[^}]+\\}$`));
    }
    const config = loadConfig(connectorEnv(SECRETS_SET), 'connector');
    expect(config.temporalAddress).toBe('temporal:7233');
    expect(config.temporalNamespace).toBe('default');
    expect(config.connectorScope).toEqual(['IPv4-Addr', 'Domain-Name', 'StixFile']);
    const tuned = loadConfig(connectorEnv({ ...SECRETS_SET, CONNECTOR_SCOPE: 'IPv4-Addr', CONNECTOR_LOG_LEVEL: 'debug', TEMPORAL_NAMESPACE: 'prod' }), 'connector');
    expect(tuned.connectorScope).toEqual(['IPv4-Addr']);
    expect(tuned.logLevel).toBe('debug');
    expect(tuned.temporalNamespace).toBe('prod');
    // The namespace job prepares the namespace the connector uses.
    expect(compose.services['temporal-namespace']?.environment?.TEMPORAL_NAMESPACE).toBe(compose['x-connector-env'].TEMPORAL_NAMESPACE);
  });

  it('passes every setting the config loader reads (and the proxy variables) from .env to the connector, blank meaning the default', () => {
    const passed = Object.keys(compose['x-connector-env']);
    expect(CONFIG_ENV_NAMES.filter((name) => !passed.includes(name))).toEqual([]);
    expect(passed).toEqual(expect.arrayContaining(['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY']));
    const tuned = loadConfig(
      connectorEnv({ ...SECRETS_SET, PROOFPOINT_ET_MAX_REQUESTS_PER_SECOND: '3', PROOFPOINT_ET_MAX_RELATED_PER_KIND: '100', CONNECTOR_QUEUE_PROTOCOL: 'api' }),
      'connector',
    );
    expect(tuned).toMatchObject({ etMaxRelated: 100, queueProtocol: 'api', etMaxRequestsPerSecond: 3 });
  });

  it('retries its one-shot jobs a bounded number of times, and hides no error in the namespace job', () => {
    for (const name of ['temporal-namespace', 'temporal-schema']) {
      const m = /^on-failure:(\d+)$/.exec(compose.services[name]?.restart ?? '');
      expect(m, `${name}: ${compose.services[name]?.restart}`).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThanOrEqual(3);
      expect(Number(m![1])).toBeLessThanOrEqual(10);
    }
    const script = compose.services['temporal-namespace']?.command?.[0] ?? '';
    expect(script).not.toMatch(/\|\|\s*true/);
    expect(script).toMatch(/^set -eu?$/m);
    expect(script).toContain('temporal operator cluster health');
  });

  it('builds one connector image, named as the manifest says, for both roles', () => {
    const expected = `${manifest.container_image}:${manifest.container_version}`;
    expect(manifest.container_version).toBe(pkg.version);
    for (const name of ['connector-worker', 'connector-bridge']) {
      const svc = compose.services[name]!;
      expect(svc.image, name).toBe(expected);
      expect(svc.build, name).toBe('.');
      // Never pulled: the name is ours, not a registry's.
      expect(svc.pull_policy, name).toBe('build');
    }
  });
});
