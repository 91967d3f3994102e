/**
 * The __metadata__ manifest and config schema, in the style of OpenCTI's connector catalogue,
 * must describe the connector as it is: every setting the loader reads, with its real default.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { CONFIG_ENV_NAMES, DEFAULT_CONNECTOR_ID, loadConfig } from '../../../src/config';

const DIR = join(__dirname, '../../../__metadata__');
const schema = JSON.parse(readFileSync(join(DIR, 'connector_config_schema.json'), 'utf8')) as {
  properties: Record<string, { default?: unknown; type?: string }>;
  required: string[];
};
const manifest = JSON.parse(readFileSync(join(DIR, 'connector_manifest.json'), 'utf8')) as Record<string, unknown>;

describe('__metadata__', () => {
  it('the config schema lists exactly the settings the loader reads', () => {
    expect(Object.keys(schema.properties).sort()).toEqual([...CONFIG_ENV_NAMES].sort());
  });

  it("the schema's defaults are the loader's defaults", () => {
    const defaults = Object.fromEntries(
      Object.entries(schema.properties)
        .filter(([, p]) => p.default !== undefined)
        .map(([k, p]) => [k, Array.isArray(p.default) ? p.default.join(',') : String(p.default)]),
    );
    expect(loadConfig(defaults)).toEqual(loadConfig({}));
  });

  it('is a valid JSON schema that accepts a real configuration', () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const ok = validate({ OPENCTI_URL: 'http://opencti:8080', OPENCTI_TOKEN: 't', CONNECTOR_ID: '6f0a7a6e-4f7c-4b8e-9a51-0e2f4c1d2b3a', PROOFPOINT_ET_API_KEY: 'k' });
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('has no default for CONNECTOR_ID, which a real platform requires (the loader refuses to run without it)', () => {
    expect(schema.required).toContain('CONNECTOR_ID');
    expect(schema.properties.CONNECTOR_ID?.default).toBeUndefined();
    expect(JSON.stringify(schema)).not.toContain(DEFAULT_CONNECTOR_ID);
  });

  // The catalogue validates with the schema, the connector with the loader: they must agree at the edges.
  it.each([
    ['CONNECTOR_ID', '12345678-1234-1234-1234-123456789012'],
    ['CONNECTOR_ID', '00000000-0000-0000-0000-000000000000'],
    ['CONNECTOR_ID', 'ChangeMe'],
    ['OPENCTI_TOKEN', 'tok…en'],
    ['OPENCTI_TOKEN', 'tok en'],
    ['PROOFPOINT_ET_API_KEY', 'k!~"{}'],
    ['OPENCTI_URL', 'http://user:pw@opencti:8080'],
    ['OPENCTI_URL', 'http://opencti:8080/base'],
    ['PROOFPOINT_ET_API_BASE_URL', 'https://api.emergingthreats.net/v1?x=1'],
    ['PROOFPOINT_ET_API_BASE_URL', 'https://api.emergingthreats.net/v1#f'],
    ['CONNECTOR_HEALTH_PORT', '0'],
    ['CONNECTOR_HEALTH_PORT', '65536'],
    ['CONNECTOR_METRICS_PORT', '0'],
    ['CONNECTOR_METRICS_PORT', '65535'],
    ['CONNECTOR_LISTEN_PROTOCOL_API_PORT', '0'],
    ['MQ_PORT', '70000'],
  ])('the schema and the loader agree on %s=%j', (name, value) => {
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const real = { OPENCTI_URL: 'http://opencti:8080', OPENCTI_TOKEN: 't', CONNECTOR_ID: '6f0a7a6e-4f7c-4b8e-9a51-0e2f4c1d2b3a', PROOFPOINT_ET_API_KEY: 'k' };
    const typed = schema.properties[name]?.type === 'integer' ? Number(value) : value;
    const schemaAccepts = validate({ ...real, [name]: typed });
    let loaderAccepts = true;
    try {
      loadConfig({ ...real, [name]: value }, 'connector');
    } catch {
      loaderAccepts = false;
    }
    expect(schemaAccepts).toBe(loaderAccepts);
  });

  it('the manifest says what OpenCTI operators look for', () => {
    expect(manifest).toMatchObject({ container_type: 'INTERNAL_ENRICHMENT', playbook_supported: true });
    expect(String(manifest.support_version)).toMatch(/^>=\d/);
  });
});
