/**
 * `et-connector setup` registers the connector's search attributes in a namespace through the
 * operator API (what a real cluster needs), and is idempotent; the worker's and bridge's start-up
 * check refuses the namespace before and accepts it after. (A whole server without them, with the
 * real worker and bridge: test/e2e/namespace-check.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../src/logger';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { assertSearchAttributes, SearchAttributesMissingError } from '../../src/temporal/namespace-check';

const BIN = join(__dirname, '../../bin/et-connector.js');

describe('et-connector setup', () => {
  it('adds the missing search attributes to a new namespace, then finds them all present', async () => {
    const address = inject('temporalAddress');
    const namespace = `setup-${Date.now()}`;
    const connection = await Connection.connect({ address });
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
      // A new namespace takes a moment to be usable.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const ok = await connection.workflowService.describeNamespace({ namespace }).then(() => true, () => false);
        if (ok) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const logger = createLogger({}, () => undefined);
      const before = (await assertSearchAttributes(connection, namespace, logger).catch((e: unknown) => e)) as SearchAttributesMissingError;
      expect(before).toBeInstanceOf(SearchAttributesMissingError);
      expect([...before.missing].sort()).toEqual(ALL_SEARCH_ATTRIBUTES.map((k) => k.name).sort());
      expect(before.message).toContain('et-connector setup');

      const env = { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace };
      const first = spawnSync(process.execPath, [BIN, 'setup'], { env, encoding: 'utf8' });
      expect(first.status, first.stderr).toBe(0);
      expect(first.stdout).toContain(`search attributes added: ${ALL_SEARCH_ATTRIBUTES.map((k) => k.name).join(', ')}`);

      const listed = await connection.operatorService.listSearchAttributes({ namespace });
      for (const key of ALL_SEARCH_ATTRIBUTES) expect(Object.keys(listed.customAttributes ?? {})).toContain(key.name);
      await expect(assertSearchAttributes(connection, namespace, logger)).resolves.toBe('ok');

      const second = spawnSync(process.execPath, [BIN, 'setup'], { env, encoding: 'utf8' });
      expect(second.status, second.stderr).toBe(0);
      expect(second.stdout).toContain('search attributes added: none');
    } finally {
      await connection.close();
    }
  });
});
