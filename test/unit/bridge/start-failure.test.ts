/**
 * What the bridge does when Temporal does not accept a workflow start: a rejection that cannot get
 * better (INVALID_ARGUMENT) closes the request in error with the real cause; anything else goes
 * back to the queue. Stub Temporal client and OpenCTI API; the real ones: test/e2e/namespace-check.test.ts.
 */
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createMessageHandler, type BridgeStats } from '../../../src/bridge/handle-message';
import { loadConfig } from '../../../src/config';
import { createLogger } from '../../../src/logger';
import type { OpenCtiApi } from '../../../src/opencti/api';
import { GrpcStatus } from '../../../src/temporal/grpc-status';
import { readMessage, REFERENCE_NOW } from '../../helpers/fixtures';

const REASON = 'Namespace default has no mapping defined for search attribute EtTrigger';

function setup(code: number) {
  const cause = Object.assign(new Error(`${code} ${REASON}`), { code, details: REASON, metadata: {} });
  const client = { workflow: { start: async () => Promise.reject(new Error('Failed to start Workflow', { cause })) } } as unknown as Client;
  const closed: { workId: string; message: string; inError: boolean }[] = [];
  const playbookAnswers: unknown[] = [];
  const api = {
    workToProcessed: async (workId: string, message: string, inError: boolean) => {
      closed.push({ workId, message, inError });
    },
    playbookStepExecution: async (args: unknown) => {
      playbookAnswers.push(args);
    },
  } as unknown as OpenCtiApi;
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({}, (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
  const stats: BridgeStats = { started: 0, duplicates: 0, reused: 0, refused: 0, invalid: 0, rejected: 0 };
  const handle = createMessageHandler({ config: loadConfig({ CONFIG_FILE: '/dev/null' }), client, api, logger, now: () => REFERENCE_NOW }, stats);
  return { handle, closed, playbookAnswers, lines, stats };
}

describe('a workflow start Temporal does not accept', () => {
  it('INVALID_ARGUMENT: acknowledged, its work closed in error with the real cause, logged at error level', async () => {
    const s = setup(GrpcStatus.INVALID_ARGUMENT);
    expect(await s.handle(readMessage('manual-ipv4.json'), false)).toBe('ack');
    expect(s.stats.rejected).toBe(1);
    expect(s.closed).toHaveLength(1);
    expect(s.closed[0]).toMatchObject({ inError: true, message: expect.stringContaining(REASON) });
    expect(s.lines.find((l) => l.level === 'error')).toMatchObject({ code: 'INVALID_ARGUMENT', cause: REASON });
  });

  it('INVALID_ARGUMENT in a playbook: the playbook goes on with its bundle unchanged', async () => {
    const s = setup(GrpcStatus.INVALID_ARGUMENT);
    expect(await s.handle(readMessage('playbook-ipv4.json'), false)).toBe('ack');
    expect(s.playbookAnswers).toHaveLength(1);
    expect(s.closed).toHaveLength(0);
  });

  it.each([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.PERMISSION_DENIED])('code %i: back to the queue, with the real cause in the log', async (code) => {
    const s = setup(code);
    expect(await s.handle(readMessage('manual-ipv4.json'), false)).toBe('requeue');
    expect(s.closed).toHaveLength(0);
    expect(s.stats.rejected).toBe(0);
    expect(s.lines.find((l) => l.level === 'warn')).toMatchObject({ cause: REASON });
  });
});
