/**
 * Prometheus metrics of a running connector (bridge and worker in one `start` process), scraped
 * after an enrichment: the bridge's counters, ET requests by endpoint and result, run outcomes,
 * and the Temporal SDK's own worker metrics.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startFakeEtApi, type FakeEtApi } from '../../src/fakes/et-api/server';
import { startFakeOpenCti, type FakeOpenCti } from '../../src/fakes/opencti';
import { freePort } from '../../src/temporal/dev-server';
import { ET_API_KEY, ET_FIXTURES_DIR, readMessage } from '../helpers/fixtures';
import { freshRequest, OPENCTI_TOKEN } from '../helpers/harness';

/** The value of a counter line such as `et_requests_total{endpoint="asn",result="ok"} 1`. */
function counter(text: string, name: string, labels: Record<string, string> = {}): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(name) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
    .reduce((sum, l) => sum + Number(l.trim().split(/\s+/).at(-1)), 0);
}

describe('metrics of a running connector', () => {
  let et: FakeEtApi;
  let opencti: FakeOpenCti;
  let child: ChildProcess;
  let metricsPort: number;
  const connectorId = randomUUID();

  beforeAll(async () => {
    et = await startFakeEtApi({ apiKey: ET_API_KEY, fixturesDir: ET_FIXTURES_DIR, scenarios: ['ip-rich'] });
    opencti = await startFakeOpenCti({ token: OPENCTI_TOKEN });
    metricsPort = await freePort();
    child = spawn(process.execPath, [join(__dirname, '../../bin/et-connector.js'), 'start'], {
      env: {
        PATH: process.env.PATH ?? '',
        CONFIG_FILE: '/dev/null',
        OPENCTI_URL: opencti.url,
        OPENCTI_TOKEN,
        CONNECTOR_ID: connectorId,
        PROOFPOINT_ET_API_BASE_URL: et.baseUrl,
        PROOFPOINT_ET_API_KEY: ET_API_KEY,
        PROOFPOINT_ET_IMPORT_LAST_SEEN_TIME_WINDOW: 'P3650D',
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: `metrics-${connectorId}`,
        CONNECTOR_METRICS_PORT: String(metricsPort),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    await opencti.waitFor(() => stderr.includes('Consuming the listen queue'), 60_000);
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const closed = new Promise((r) => child.once('close', r));
      child.kill('SIGTERM');
      await closed;
    }
    await opencti?.close();
    await et?.close();
  });

  it('counts messages, workflows, ET requests and outcomes after an enrichment', async () => {
    const { workId, body } = freshRequest(readMessage('manual-ipv4.json'), connectorId);
    await opencti.publishRequest(connectorId, body);
    await opencti.waitForWork(workId!, (w) => w.status === 'complete' && w.processed_time !== null, 60_000);

    // The SDK flushes its meter periodically: poll the endpoint for the run's counter.
    let text = '';
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      if (counter(text, 'et_enrichment_runs', { outcome: 'completed' }) >= 1) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(counter(text, 'et_bridge_messages_consumed')).toBeGreaterThanOrEqual(1);
    expect(counter(text, 'et_bridge_workflows_started', { trigger: 'manual' })).toBeGreaterThanOrEqual(1);
    expect(counter(text, 'et_requests', { endpoint: 'reputation', result: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(counter(text, 'et_requests', { endpoint: 'asn', result: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(counter(text, 'et_enrichment_runs', { outcome: 'completed', observable_type: 'IPv4-Addr' })).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^temporal_\w+/m);
  });
});
