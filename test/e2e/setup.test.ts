/**
 * `et-connector setup` registers the connector's search attributes in a namespace through the
 * operator API (what a real cluster needs), and is idempotent.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { describe, expect, inject, it } from 'vitest';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';

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
      const env = { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace };
      const first = spawnSync(process.execPath, [BIN, 'setup'], { env, encoding: 'utf8' });
      expect(first.status, first.stderr).toBe(0);
      expect(first.stdout).toContain(`search attributes added: ${ALL_SEARCH_ATTRIBUTES.map((k) => k.name).join(', ')}`);

      const listed = await connection.operatorService.listSearchAttributes({ namespace });
      for (const key of ALL_SEARCH_ATTRIBUTES) expect(Object.keys(listed.customAttributes ?? {})).toContain(key.name);

      const second = spawnSync(process.execPath, [BIN, 'setup'], { env, encoding: 'utf8' });
      expect(second.status, second.stderr).toBe(0);
      expect(second.stdout).toContain('search attributes added: none');
    } finally {
      await connection.close();
    }
  });
});
