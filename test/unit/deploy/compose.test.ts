/**
 * The production compose file cannot run here (no Docker engine), so it is validated offline:
 * dclint (compose schema and lint rules) plus the properties an operator relies on.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config';
import { ALL_SEARCH_ATTRIBUTES } from '../../../src/shared/search-attributes';

const ROOT = join(__dirname, '../../..');
const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(text) as {
  services: Record<string, { image?: string; build?: string; restart?: string; healthcheck?: unknown; stop_grace_period?: string; environment?: Record<string, string>; command?: string[] }>;
  'x-connector-env': Record<string, string>;
};

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

  it('gives the connector an environment our config loader accepts once the ChangeMe values are set', () => {
    const shipped = Object.fromEntries(
      Object.entries(compose['x-connector-env']).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/, '$1')]),
    );
    // As shipped, the placeholders stop start-up with a clear message rather than running half-configured.
    expect(() => loadConfig(shipped, 'connector')).toThrow(/OPENCTI_TOKEN: still the sample's placeholder/);
    const config = loadConfig(
      { ...shipped, CONNECTOR_ID: '6f0a7a6e-4f7c-4b8e-9a51-0e2f4c1d2b3a', OPENCTI_TOKEN: 'a-real-token', PROOFPOINT_ET_API_KEY: 'a-real-key' },
      'connector',
    );
    expect(config.temporalAddress).toBe('temporal:7233');
    expect(config.connectorScope).toEqual(['IPv4-Addr', 'Domain-Name', 'StixFile']);
  });
});
