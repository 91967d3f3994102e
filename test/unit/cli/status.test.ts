import { describe, expect, it } from 'vitest';
import { formatRunStatus, type RunStatus } from '../../../src/cli/status';

const run = (trigger: string, pushedParts: number): RunStatus => ({
  workflowId: 'enrich/x',
  runId: 'r',
  status: 'Completed',
  taskQueue: 'q',
  startTime: '2026-12-04T08:00:00.000Z',
  closeTime: '2026-12-04T08:00:02.000Z',
  message: 'ProofPoint ET Intelligence: IPv4-Addr 198.51.100.23: added 3 labels',
  failure: null,
  failedCalls: [],
  objectCount: 17,
  pushedParts,
  pendingActivities: [],
  reruns: [],
  outcome: 'completed',
  trigger,
  entityType: 'IPv4-Addr',
  value: '198.51.100.23',
  entityId: 'ipv4-addr--cec0294c-86c8-52cc-8448-ba43593736df',
  workId: null,
  rerunOf: null,
});

describe('formatRunStatus: where the bundle went', () => {
  it('a run of the platform says how many objects it pushed in how many parts', () => {
    expect(formatRunStatus(run('manual', 17))).toMatch(/^Pushed +17 objects in 17 parts$/m);
  });
  it('a run of et-connector enrich says it pushed nothing', () => {
    const text = formatRunStatus(run('cli', 0));
    expect(text).toMatch(/^Delivered +17 objects to the et-connector enrich that asked \(nothing pushed to OpenCTI\)$/m);
    expect(text).not.toContain('Pushed');
  });
  it('a playbook run says its objects went back to the playbook', () => {
    expect(formatRunStatus(run('playbook', 0))).toMatch(/^Delivered +17 objects in the bundle returned to the playbook$/m);
  });
});
