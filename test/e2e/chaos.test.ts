/**
 * Chaos: a few hundred enrichment requests through the connector's worker and bridge running as
 * separate OS processes, while the worker is SIGKILLed twice, the bridge SIGKILLed twice, the
 * RabbitMQ application restarted once, and the fake ET API answers some calls with 429
 * (Retry-After: 1), 500 or slowly. Afterwards every request must have exactly one workflow, every
 * work must be closed with a message that says what the run found, and every bundle must have
 * reached the platform. Loopback only; bounded in count and time.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startFakeEtApi, type FakeEtApi } from '../../src/fakes/et-api/server';
import { startFakeOpenCti, type FakeOpenCti } from '../../src/fakes/opencti';
import { createLogger } from '../../src/logger';
import { EtOutcome } from '../../src/shared/search-attributes';
import type { EnrichmentResult, StixObject } from '../../src/shared/types';
import { deleteConnectorQueues, ensureRabbitMqRunning, EtFaultInjector, mapLimit, restartRabbitMq, sleep } from '../helpers/chaos';
import { ConnectorProcess, freePort, getHealth } from '../helpers/connector-process';
import { ET_API_KEY, ET_FIXTURES_DIR, readMessage } from '../helpers/fixtures';
import { freshRequest, OPENCTI_TOKEN } from '../helpers/harness';

const REQUESTS = Number(process.env.CHAOS_REQUESTS ?? 240);
const PUBLISH_PER_SECOND = 6;
const ET_TIMEOUT_S = 3;
const SCENARIOS = ['ip-rich', 'ip-unknown', 'file-md5', 'domain-idn'];

/** Manual requests only: automatic ones for one entity are deduplicated on purpose (storm guard). */
const KINDS = [
  { message: 'manual-ipv4.json', outcome: 'completed' },
  { message: 'manual-file-md5.json', outcome: 'completed' },
  { message: 'manual-ipv4-unknown.json', outcome: 'no-data' },
  { message: 'manual-domain-idn-punycode.json', outcome: 'completed' },
] as const;

interface Request {
  kind: (typeof KINDS)[number];
  workId: string;
  entityId: string;
  body: Buffer;
  publishedAt: number;
}

describe('chaos: process kills, a broker restart and ET faults while a few hundred enrichments run', () => {
  const fakeLogs: string[] = [];
  const logger = createLogger({}, (line) => {
    if (!line.includes('"level":"debug"')) fakeLogs.push(line);
    if (fakeLogs.length > 2000) fakeLogs.shift();
  });
  const connectorId = randomUUID();
  const taskQueue = `e2e-chaos-${connectorId}`;
  let et: FakeEtApi;
  let opencti: FakeOpenCti;
  let worker: ConnectorProcess;
  let bridge: ConnectorProcess;
  let connection: Connection;
  let client: Client;

  beforeAll(async () => {
    et = await startFakeEtApi({ apiKey: ET_API_KEY, fixturesDir: ET_FIXTURES_DIR, scenarios: SCENARIOS });
    opencti = await startFakeOpenCti({ token: OPENCTI_TOKEN, logger });
    const env = {
      OPENCTI_URL: opencti.url,
      OPENCTI_TOKEN,
      CONNECTOR_ID: connectorId,
      CONNECTOR_PING_INTERVAL: '2',
      CONNECTOR_LOG_LEVEL: 'info',
      PROOFPOINT_ET_API_BASE_URL: et.baseUrl,
      PROOFPOINT_ET_API_KEY: ET_API_KEY,
      PROOFPOINT_ET_REQUEST_TIMEOUT: String(ET_TIMEOUT_S),
      // The fixtures are dated 2026-08 and the processes use the real clock.
      PROOFPOINT_ET_IMPORT_LAST_SEEN_TIME_WINDOW: 'P3650D',
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
    };
    worker = new ConnectorProcess('worker', await freePort(), env);
    bridge = new ConnectorProcess('bridge', await freePort(), env);
    connection = await Connection.connect({ address: inject('temporalAddress') });
    client = new Client({ connection });
  });

  afterAll(async () => {
    await ensureRabbitMqRunning();
    await worker?.stop().catch(() => undefined);
    await bridge?.stop().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await opencti?.close();
    await et?.close();
    await deleteConnectorQueues(connectorId).catch(() => undefined);
  });

  it(`${REQUESTS} requests survive 2 worker kills, 2 bridge kills, a RabbitMQ restart and ET 429/500/slow answers`, async () => {
    const t0 = Date.now();
    worker.start();
    bridge.start();
    await Promise.all([worker.waitReady(90_000), bridge.waitReady(90_000)]);
    expect(opencti.connectors.has(connectorId)).toBe(true);
    const setupMs = Date.now() - t0;

    const faults = new EtFaultInjector(et, SCENARIOS, ET_TIMEOUT_S * 1000 - 600);
    const requests: Request[] = [];
    let publishRetries = 0;
    let publishing = true;

    // 1. Publish, at a steady rate, retrying while the broker is away.
    const publisher = (async () => {
      try {
        await publishAll();
      } finally {
        publishing = false;
      }
    })();
    async function publishAll() {
      for (let i = 0; i < REQUESTS; i++) {
        const kind = KINDS[i % KINDS.length]!;
        const fresh = freshRequest(readMessage(kind.message), connectorId);
        const entityId = (JSON.parse(fresh.body.toString('utf8')) as { event: { entity_id: string } }).event.entity_id;
        for (let attempt = 1; ; attempt++) {
          try {
            await opencti.publishRequest(connectorId, fresh.body);
            break;
          } catch (err) {
            publishRetries += 1;
            if (attempt > 200) throw err;
            await sleep(250);
          }
        }
        requests.push({ kind, workId: fresh.workId!, entityId, body: fresh.body, publishedAt: Date.now() });
        await sleep(1000 / PUBLISH_PER_SECOND);
      }
    }

    // 2. ET faults, a few every 2.5 s while requests come in.
    const injector = (async () => {
      while (publishing) {
        faults.inject(3);
        await sleep(2500);
      }
    })();

    // 3. The chaos, on a schedule relative to the first request. Each kill waits until the previous
    //    incarnation was ready, so every kill hits a working process.
    const chaosStart = Date.now();
    const at = (s: number) => sleep(Math.max(0, chaosStart + s * 1000 - Date.now()));
    const events: string[] = [];
    const note = (what: string) => events.push(`${((Date.now() - chaosStart) / 1000).toFixed(1)}s (${new Date().toISOString()}) ${what}`);
    const killAndRestart = async (p: ConnectorProcess) => {
      await p.waitReady(90_000);
      const exit = await p.kill('SIGKILL');
      note(`${p.role} SIGKILLed (pid ${exit.pid})`);
      p.start();
      const readyIn = await p.waitReady(90_000);
      note(`${p.role} restarted, ready in ${readyIn} ms`);
    };
    let bridgeBackAfterBrokerMs = -1;
    const bridgeStatesDuringOutage = new Set<string>();
    const workerStatesDuringOutage = new Set<string>();
    const chaos = (async () => {
      // The worker first: the ET activities a SIGKILLed worker had in hand are only retried once
      // their start-to-close timeout (2 minutes) expires, so early kills keep the test short.
      await at(4);
      await killAndRestart(worker);
      await at(10);
      await killAndRestart(worker);
      await at(15);
      await killAndRestart(bridge);
      await at(21);
      await Promise.all([worker.waitReady(90_000), bridge.waitReady(90_000)]);
      note('RabbitMQ stop_app');
      let outage = true;
      const sampler = (async () => {
        while (outage) {
          const [b, w] = await Promise.all([getHealth(bridge.healthPort, 'readyz', 3000), getHealth(worker.healthPort, 'readyz', 3000)]);
          bridgeStatesDuringOutage.add(b?.body.components?.bridge?.state ?? 'no answer');
          workerStatesDuringOutage.add(w?.body.status ?? 'no answer');
          await sleep(200);
        }
      })();
      const { startedAt } = await restartRabbitMq(3000).finally(() => {
        outage = false;
      });
      await sampler;
      note(`RabbitMQ start_app done; bridge states seen meanwhile: ${[...bridgeStatesDuringOutage].join(', ')}`);
      bridgeBackAfterBrokerMs = await bridge.waitReady(60_000);
      note(`bridge consuming again ${bridgeBackAfterBrokerMs} ms after the broker came back`);
      expect(Date.now() - startedAt).toBeLessThan(60_000);
      await at(32);
      await killAndRestart(bridge);
    })();

    await Promise.all([publisher, injector, chaos]);
    const publishedMs = Date.now() - chaosStart;

    // 4. Wait until every work is closed (complete, processed_time set).
    //    A worker dying between addExpectations and the heartbeat recording it must not make the
    //    retried push add them twice (the work would stay 'progress' for ever): checked below.
    const expectationCalls = (workId: string) => opencti.work(workId)?.calls.filter((c) => c.operation === 'addExpectations' && c.source === 'graphql') ?? [];
    const doubleCounted = (r: Request) => expectationCalls(r.workId).length > 1;
    const closed = (r: Request) => {
      const w = opencti.work(r.workId);
      return w !== undefined && w.processed_time !== null && w.status === 'complete';
    };
    const deadline = Date.now() + 200_000;
    let lastReport = Date.now();
    while (requests.some((r) => !closed(r))) {
      if (Date.now() > deadline) break;
      if (Date.now() - lastReport > 20_000) {
        lastReport = Date.now();
        if (process.env.E2E_DEBUG) console.log(`chaos: ${requests.filter(closed).length}/${requests.length} works closed`);
      }
      await sleep(500);
    }
    const open = requests.filter((r) => !closed(r));
    const diagnostics = () =>
      [
        `events:\n  ${events.join('\n  ')}`,
        `open works (${open.length}): ${JSON.stringify(open.slice(0, 5).map((r) => ({ workId: r.workId, work: opencti.work(r.workId) && { status: opencti.work(r.workId)!.status, messages: opencti.work(r.workId)!.messages.length, tracking: opencti.work(r.workId)!.tracking } })))}`,
        `worker tail:\n${worker.tail.slice(-25).join('\n')}`,
        `bridge tail:\n${bridge.tail.slice(-25).join('\n')}`,
        `fake OpenCTI warnings:\n${fakeLogs.filter((l) => !l.includes('"level":"info"')).slice(-15).join('\n')}`,
      ].join('\n');
    expect(open.length, diagnostics()).toBe(0);
    const allClosedMs = Date.now() - chaosStart;
    const stuck = requests.filter(doubleCounted).map((r) => ({
      workId: r.workId,
      publishedAt: new Date(r.publishedAt).toISOString(),
      status: opencti.work(r.workId)!.status,
      tracking: opencti.work(r.workId)!.tracking,
      addExpectations: expectationCalls(r.workId).map((c) => ({ at: c.at, n: c.args.expectations })),
    }));
    if (stuck.length > 0) {
      console.warn(`chaos: ${stuck.length} work(s) got addExpectations twice and stay in progress:\n${JSON.stringify(stuck, null, 1)}\n${events.join('\n')}`);
    }
    expect(stuck, 'works whose expectations were added twice').toEqual([]);

    // 5. No process crashed on its own (every exit was one of our kills).
    expect([...worker.exits, ...bridge.exits].filter((e) => !e.expected), diagnostics()).toEqual([]);
    expect(worker.starts).toBe(3);
    expect(bridge.starts).toBe(3);
    // The bridge went not-ready while the broker was away and came back by itself.
    expect(bridgeBackAfterBrokerMs).toBeGreaterThanOrEqual(0);
    expect([...bridgeStatesDuringOutage]).toContain('reconnecting');
    // The worker does not need the broker to be ready (its push retries through Temporal).
    expect([...workerStatesDuringOutage]).not.toContain('not-ready');

    // 6. Exactly one workflow per request, found by its OpenCtiWorkId search attribute.
    expect(new Set(requests.map((r) => r.workId)).size).toBe(REQUESTS);
    const runs = await mapLimit(requests, 8, async (r) => {
      const found: WorkflowExecutionInfo[] = [];
      for await (const wf of client.workflow.list({ query: `OpenCtiWorkId = '${r.workId}'` })) found.push(wf);
      return found;
    });
    const lost = requests.filter((_, i) => runs[i]!.length === 0).map((r) => r.workId);
    const duplicated = requests.filter((_, i) => runs[i]!.length > 1).map((r) => r.workId);
    expect(lost, 'requests without a workflow').toEqual([]);
    expect(duplicated, 'requests with more than one workflow').toEqual([]);
    let onQueue = 0;
    for await (const _ of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) onQueue += 1;
    expect(onQueue).toBe(REQUESTS);

    // 7. Each run's outcome and message, the work that says the same, and the bundle that arrived.
    const outcomes: Record<string, number> = {};
    let partsReceived = 0;
    let objectsReceived = 0;
    const idsByKind = new Map<string, string>();
    await mapLimit(requests, 8, async (r, i) => {
      const info = runs[i]![0]!;
      const result = (await client.workflow.getHandle(info.workflowId, info.runId).result()) as EnrichmentResult;
      outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
      const where = `${r.kind.message} ${r.workId} (${info.workflowId})`;
      expect(result.outcome, `${where}: ${result.message}`).toBe(r.kind.outcome);
      expect(result.failedCalls, where).toEqual([]);

      const work = opencti.work(r.workId)!;
      expect(work.processed_time, where).not.toBeNull();
      if (!doubleCounted(r)) expect(work.status, where).toBe('complete');
      expect(work.inError, where).toBe(false);
      expect(work.errors, where).toEqual([]);
      const last = work.messages.at(-1)?.message ?? '';
      expect(last, where).toBe(result.message);
      if (result.outcome === 'no-data') {
        expect(last, where).toContain('ET has no data on it');
        expect(opencti.partsFor(r.workId), where).toEqual([]);
      } else {
        expect(last, where).toMatch(/^ProofPoint ET Intelligence: .* added .*\. Sent \d+ objects in \d+ parts\.$/);
        expect(last, where).not.toContain('Partial result');
        const received: StixObject[] = opencti.bundleFor(r.workId);
        expect(received.length, where).toBe(result.objectCount);
        expect(received.map((o) => o.id), where).toContain(r.entityId);
        const parts = opencti.partsFor(r.workId);
        expect(parts.length, where).toBeGreaterThanOrEqual(result.pushedParts);
        partsReceived += parts.length;
        objectsReceived += received.length;
        // Deterministic ids: every run of the same request sent the very same objects.
        const ids = received.map((o) => o.id).sort().join(',');
        expect(ids, where).toBe(idsByKind.get(r.kind.message) ?? ids);
        idsByKind.set(r.kind.message, ids);
      }
      // The search attribute agrees with the result (visibility may lag a moment behind the close).
      expect([result.outcome, undefined], where).toContain(info.typedSearchAttributes.get(EtOutcome) ?? undefined);
    });
    expect(et.unexpected).toEqual([]);

    // 8. Both processes still drain and exit cleanly on SIGTERM.
    const [workerExit, bridgeExit] = await Promise.all([worker.stop(), bridge.stop()]);
    expect(workerExit?.code, worker.tail.slice(-20).join('\n')).toBe(0);
    expect(bridgeExit?.code, bridge.tail.slice(-20).join('\n')).toBe(0);

    const served = faults.served();
    const latencies = requests.map((r) => Date.parse(opencti.work(r.workId)!.processed_time!) - r.publishedAt).sort((a, b) => a - b);
    const pct = (p: number) => (latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]! / 1000).toFixed(1);
    const redeliveries = bridge.messages.get('Enrichment already started for this request (redelivery); not starting another') ?? 0;
    const totalMs = Date.now() - t0;
    console.log(
      `chaos: ${REQUESTS} requests -> ${REQUESTS - lost.length} workflows (${lost.length} lost, ${duplicated.length} duplicated), ` +
        `outcomes ${JSON.stringify(outcomes)}, ${partsReceived} parts / ${objectsReceived} objects received by the platform; ` +
        `${et.requests.length} ET requests, faults served 429=${served['429']} 500=${served['500']} slow=${served.slow} (of ${faults.injected.length} injected); ` +
        `${stuck.length} works left in progress by a duplicated addExpectations; worker SIGKILL x2, bridge SIGKILL x2, RabbitMQ restart x1 (bridge consuming again ${bridgeBackAfterBrokerMs} ms after it came back, ` +
        `fake platform reconnected by itself), ${redeliveries} redelivered requests refused as duplicates, ${publishRetries} publish retries; ` +
        `request to closed work p50 ${pct(50)} s, p95 ${pct(95)} s, max ${pct(100)} s (${latencies.filter((ms) => ms > 60_000).length} over 60 s: activities a SIGKILLed worker held are retried once their timeout expires: 1 min for ET calls, 75 s for OpenCTI calls, 30 s heartbeat for the push); setup ${(setupMs / 1000).toFixed(1)} s, published in ${(publishedMs / 1000).toFixed(1)} s, all closed after ${(allClosedMs / 1000).toFixed(1)} s, total ${(totalMs / 1000).toFixed(1)} s`,
    );
    if (process.env.E2E_DEBUG || process.env.CHAOS_VERBOSE) {
      console.log(events.join('\n'));
      console.log('bridge log messages', JSON.stringify(Object.fromEntries(bridge.messages)));
      console.log('worker log messages', JSON.stringify(Object.fromEntries(worker.messages)));
    }
  }, 330_000);
});
