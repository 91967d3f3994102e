/**
 * A namespace without this connector's search attributes, on a real Temporal server:
 *  - the worker and the bridge refuse to start, with one typed error naming the missing ones and
 *    saying to run `et-connector setup`; after `et-connector setup` both start and enrich;
 *  - when the namespace loses a mapping while the bridge runs, Temporal rejects the start
 *    (INVALID_ARGUMENT): the request is closed in error with the real cause, once, not requeued;
 *  - the docker-compose `temporal-namespace` job's script (run here with the same Temporal CLI)
 *    creates the namespace and the attributes, and runs again without error.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge } from '../../src/bridge';
import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/errors';
import { createLogger } from '../../src/logger';
import { OpenCtiApi } from '../../src/opencti/api';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { assertSearchAttributes, SearchAttributesMissingError } from '../../src/temporal/namespace-check';
import { registerSearchAttributes } from '../../src/temporal/setup';
import { createEnrichmentWorker } from '../../src/worker';
import { startBareDevServer, type BareDevServer } from '../helpers/bare-dev-server';
import { startHarness, type Harness } from '../helpers/harness';
import { TEMPORAL_CLI_PATH } from '../../src/temporal/dev-server';

const BIN = join(__dirname, '../../bin/et-connector.js');

/** Retries `probe` until it resolves (30 s at most), for what the server makes true in a moment. */
async function eventually<T>(probe: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await probe();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
const ALL = ALL_SEARCH_ATTRIBUTES.map((k) => k.name);

describe('a Temporal namespace without the search attributes', () => {
  let server: BareDevServer;
  let connection: Connection;
  let h: Harness | undefined;
  const logs: string[] = [];
  const logger = createLogger({}, (line) => logs.push(line));

  beforeAll(async () => {
    server = await startBareDevServer();
    connection = await Connection.connect({ address: server.address });
  });
  afterAll(async () => {
    await h?.stop();
    await connection?.close();
    await server?.stop();
  });

  it('the worker and the bridge refuse to start, naming the missing attributes; after `et-connector setup` they start', async () => {
    const config = loadConfig({ CONFIG_FILE: '/dev/null', TEMPORAL_ADDRESS: server.address });

    const native = await NativeConnection.connect({ address: server.address });
    try {
      const worker = createEnrichmentWorker({ config, connection: native, withOpenCti: false, logger });
      await expect(worker).rejects.toBeInstanceOf(SearchAttributesMissingError);
      const err = (await worker.catch((e: unknown) => e)) as SearchAttributesMissingError;
      expect(err).toBeInstanceOf(ConfigError); // the CLI prints it without a stack and exits non-zero
      expect([...err.missing].sort()).toEqual([...ALL].sort());
      expect(err.namespace).toBe('default');
      for (const name of ALL) expect(err.message).toContain(name);
      expect(err.message).toContain('et-connector setup');
      expect(err.message).toContain('temporal-namespace');
    } finally {
      await native.close();
    }

    // The bridge checks before it registers with OpenCTI or touches the broker (nothing listens here).
    const bridge = startBridge({ config, api: new OpenCtiApi({ url: 'http://127.0.0.1:9', token: 't' }), client: new Client({ connection }), logger });
    const bridgeErr = (await bridge.catch((e: unknown) => e)) as SearchAttributesMissingError;
    expect(bridgeErr).toBeInstanceOf(SearchAttributesMissingError);
    expect([...bridgeErr.missing].sort()).toEqual([...ALL].sort());

    // The operator commands say the same instead of a raw 'Failed to list workflows'; a namespace
    // that does not exist is named as such, by them and by setup.
    const cli = (args: string[], namespace = 'default') =>
      spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, CONFIG_FILE: '/dev/null', TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: namespace }, encoding: 'utf8' });
    const status = cli(['status', '--value', '198.51.100.23']);
    expect(status.status).toBe(2);
    expect(status.stderr).toContain("Temporal namespace 'default' is missing this connector's search attributes");
    expect(status.stderr).not.toContain('ServiceError');
    for (const args of [['setup'], ['status', '--value', '198.51.100.23']]) {
      const typo = cli(args, 'no-such-namespace');
      expect(typo.status, typo.stderr).toBe(2);
      expect(typo.stderr).toContain("TEMPORAL_NAMESPACE: the Temporal server has no namespace 'no-such-namespace'");
    }

    const setup = spawnSync(process.execPath, [BIN, 'setup'], { env: { ...process.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default' }, encoding: 'utf8' });
    expect(setup.status, setup.stderr).toBe(0);
    expect(setup.stdout).toContain(`search attributes added: ${ALL.join(', ')}`);
    await expect(assertSearchAttributes(connection, 'default', logger)).resolves.toBe('ok');

    // Now the real worker and bridge start on this server and enrich end to end.
    h = await startHarness({ scenarios: ['ip-rich'], temporalAddress: server.address });
    const { workId } = await h.publishFixture('manual-ipv4.json');
    const work = await h.waitClosed(workId!, 120_000);
    expect(work.inError).toBe(false);
    expect(h.bridge.stats.started).toBe(1);
  });

  it('a start Temporal rejects (a mapping removed while running) closes the request in error with the real cause, once', async () => {
    expect(h, 'the previous test starts the harness').toBeDefined();
    const harness = h!;
    await connection.operatorService.removeSearchAttributes({ namespace: 'default', searchAttributes: ['EtTrigger'] });
    try {
      const consumedBefore = harness.bridge.consumer.consumed;
      const { workId } = await harness.publishFixture('manual-ipv4.json');
      const work = await harness.waitClosed(workId!, 60_000);
      expect(work.inError).toBe(true);
      expect(work.errors.at(-1)?.message).toMatch(/no mapping defined for search attribute EtTrigger/);
      expect(harness.bridge.stats.rejected).toBe(1);
      const line = harness.logs.find((l) => l.includes('Temporal rejected the workflow start'));
      expect(line).toBeDefined();
      expect(JSON.parse(line!)).toMatchObject({ level: 'error', code: 'INVALID_ARGUMENT', cause: expect.stringContaining('EtTrigger') });
      // Acknowledged, not requeued: it is not delivered again (a requeue comes back after ~2 s).
      await new Promise((r) => setTimeout(r, 5000));
      expect(harness.bridge.consumer.consumed - consumedBefore).toBe(1);
      expect(harness.bridge.stats.rejected).toBe(1);
      expect(harness.logs.some((l) => l.includes('the request goes back to the queue'))).toBe(false);
    } finally {
      await registerSearchAttributes(connection, 'default');
    }
    // Once the namespace is fixed, the next request is enriched.
    const again = await harness.publishFixture('manual-ipv4.json');
    expect((await harness.waitClosed(again.workId!, 120_000)).inError).toBe(false);
  });

  it("docker-compose's temporal-namespace job creates the namespace and the attributes the check wants, and is idempotent", async () => {
    const compose = parse(readFileSync(join(__dirname, '../../docker-compose.yml'), 'utf8')) as { services: Record<string, { command: string[] }> };
    // Compose turns `$$` into `$` before the shell sees the script.
    const script = compose.services['temporal-namespace']!.command[0]!.replaceAll('$$', '$');
    const namespace = `compose-job-${Date.now()}`;
    const env = { ...process.env, PATH: `${dirname(TEMPORAL_CLI_PATH)}:${process.env.PATH}`, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: namespace };
    const first = spawnSync('/bin/sh', ['-c', script], { env, encoding: 'utf8', timeout: 120_000 });
    expect(first.status, `${first.stdout}\n${first.stderr}`).toBe(0);
    expect(first.stdout).toContain(`Namespace ${namespace} is ready`);
    // A new namespace takes a moment to show its search attributes to every frontend cache.
    await eventually(() => assertSearchAttributes(connection, namespace, logger));
    const second = spawnSync('/bin/sh', ['-c', script], { env, encoding: 'utf8', timeout: 120_000 });
    expect(second.status, `${second.stdout}\n${second.stderr}`).toBe(0);

    // A real error is not hidden: a name taken with another type fails the job (and the check).
    const taken = `compose-taken-${Date.now()}`;
    await connection.workflowService.registerNamespace({ namespace: taken, workflowExecutionRetentionPeriod: msToTs('1 day') });
    await eventually(() => connection.operatorService.listSearchAttributes({ namespace: taken }));
    await connection.operatorService.addSearchAttributes({ namespace: taken, searchAttributes: { EtTrigger: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT } });
    const failed = spawnSync('/bin/sh', ['-c', script], { env: { ...env, TEMPORAL_NAMESPACE: taken }, encoding: 'utf8', timeout: 120_000 });
    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toMatch(/EtTrigger already exists and has different type Text/);
    const err = (await assertSearchAttributes(connection, taken, logger).catch((e: unknown) => e)) as SearchAttributesMissingError;
    expect(err).toBeInstanceOf(SearchAttributesMissingError);
    expect(err.wrongType).toEqual(['EtTrigger']);
  });
});
