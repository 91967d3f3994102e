/**
 * While `npm start` runs with no TEMPORAL_ADDRESS, the embedded Temporal server's Web UI on
 * http://localhost:8233 lists the enrichment workflows. Checked through the UI server itself
 * (its HTTP API, which the web page calls), after a one-off enrichment on that server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeEtApi, type FakeEtApi } from '../../src/fakes/et-api/server';
import { ET_API_KEY, ET_FIXTURES_DIR } from '../helpers/fixtures';

const BIN = join(__dirname, '../../bin/et-connector.js');
const UI = 'http://127.0.0.1:8233';

function sandboxEnv(): NodeJS.ProcessEnv {
  const { OPENCTI_URL: _u, OPENCTI_TOKEN: _t, PROOFPOINT_ET_API_KEY: _k, TEMPORAL_ADDRESS: _a, ...rest } = process.env;
  return rest;
}

describe('Temporal Web UI of `npm start`', () => {
  let start: ChildProcess;
  let et: FakeEtApi;
  beforeAll(async () => {
    et = await startFakeEtApi({ apiKey: ET_API_KEY, fixturesDir: ET_FIXTURES_DIR, scenarios: ['ip-rich'] });
    start = spawn(process.execPath, [BIN, 'start'], { env: sandboxEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    start.stderr!.on('data', (d) => (stderr += d));
    const deadline = Date.now() + 120_000;
    while (!stderr.includes('Consuming the listen queue') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(stderr).toContain('Consuming the listen queue');
  });
  afterAll(async () => {
    if (start && start.exitCode === null) {
      const closed = new Promise((r) => start.once('close', r));
      start.kill('SIGTERM');
      await closed;
    }
    await et?.close();
  });

  it('lists an enrichment workflow run on the embedded server', async () => {
    // A one-off enrichment on the same (embedded) server: the CLI finds it on 127.0.0.1:7233.
    const cli = spawn(process.execPath, [BIN, 'enrich', '--type', 'IPv4-Addr', '--value', '198.51.100.23'], {
      env: { ...sandboxEnv(), PROOFPOINT_ET_API_BASE_URL: et.baseUrl, PROOFPOINT_ET_API_KEY: ET_API_KEY },
      stdio: 'ignore',
    });
    expect(await new Promise((r) => cli.once('close', r))).toBe(0);

    const home = await fetch(`${UI}/`);
    expect(home.status).toBe(200);
    const query = encodeURIComponent(`WorkflowType="enrichObservable" AND EtObservableValue="198.51.100.23"`);
    const res = await fetch(`${UI}/api/v1/namespaces/default/workflows?query=${query}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { executions?: { type?: { name?: string }; execution?: { workflowId?: string } }[] };
    const ids = (body.executions ?? []).map((e) => e.execution?.workflowId ?? '');
    expect(ids.some((id) => id.startsWith('enrich/cli/IPv4-Addr/198.51.100.23/'))).toBe(true);
  });
});
