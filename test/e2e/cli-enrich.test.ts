/**
 * `et-connector enrich ... --print`: one manual enrichment through the same workflow on the real
 * Temporal server, against the (fake) ET API, with no OpenCTI. The bundle goes to stdout.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startFakeEtApi, type FakeEtApi } from '../../src/fakes/et-api/server';
import type { StixBundle } from '../../src/shared/types';
import { ET_API_KEY, ET_FIXTURES_DIR } from '../helpers/fixtures';
import { runCli } from '../helpers/run-cli';
import { validateStixObject } from '../helpers/stix-schema';

describe('et-connector enrich --print', () => {
  let et: FakeEtApi;
  let env: Record<string, string>;
  beforeAll(async () => {
    et = await startFakeEtApi({ apiKey: ET_API_KEY, fixturesDir: ET_FIXTURES_DIR });
    env = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      PROOFPOINT_ET_API_BASE_URL: et.baseUrl,
      PROOFPOINT_ET_API_KEY: ET_API_KEY,
      // The fixtures are dated August 2026; keep their related items whatever today is.
      PROOFPOINT_ET_IMPORT_LAST_SEEN_TIME_WINDOW: 'P3650D',
    };
  });
  afterAll(async () => {
    await et?.close();
  });

  it.each([
    ['IPv4-Addr', '198.51.100.23', ['ipv4-addr', 'domain-name', 'file', 'location', 'autonomous-system', 'relationship']],
    ['Domain-Name', 'payload-cdn.example.net', ['domain-name', 'ipv4-addr', 'ipv6-addr', 'file', 'relationship']],
    ['StixFile', '08D9F42E95558080483D28154E573C8F', ['file']],
  ])('prints the STIX bundle for %s %s on stdout and exits 0', async (type, value, types) => {
    const { code, stdout, stderr } = await runCli(['enrich', '--type', type, '--value', value, '--print'], env);
    expect(code, stderr).toBe(0);
    const bundle = JSON.parse(stdout) as StixBundle;
    expect(bundle.type).toBe('bundle');
    expect(new Set(bundle.objects.map((o) => o.type))).toEqual(expect.objectContaining(new Set(types)));
    for (const t of types) expect(bundle.objects.some((o) => o.type === t), `a ${t} in the bundle`).toBe(true);
    for (const o of bundle.objects) expect(validateStixObject(o)).toEqual([]);
    // Logs stay on stderr, and never carry the key.
    expect(stderr).not.toContain(ET_API_KEY);
  });

  it('the StixFile bundle carries the SHA-256 and size ET knows', async () => {
    const { stdout } = await runCli(['enrich', '--type', 'StixFile', '--value', '08d9f42e95558080483d28154e573c8f', '--print'], env);
    const file = (JSON.parse(stdout) as StixBundle).objects.find((o) => o.type === 'file') as unknown as { hashes: Record<string, string>; size: number };
    expect(file.hashes.MD5).toBe('08d9f42e95558080483d28154e573c8f');
    expect(file.hashes['SHA-256']).toMatch(/^[a-f0-9]{64}$/);
    expect(file.size).toBeGreaterThan(0);
  });

  it('exits non-zero and says why when ET refuses the key', async () => {
    const { code, stdout, stderr } = await runCli(['enrich', '--type', 'IPv4-Addr', '--value', '203.0.113.200', '--print'], env);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/Enrichment failed.*PROOFPOINT_ET_API_KEY/);
  });

  it('rejects a value that is not of the type, before starting anything', async () => {
    const { code, stderr } = await runCli(['enrich', '--type', 'IPv4-Addr', '--value', '198.51.100.0/24'], env);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--value: .*not a single IPv4 address/);
  });
});
