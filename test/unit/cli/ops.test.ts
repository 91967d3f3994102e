/** The pure parts of `et-connector status` / `rerun`: ids, requests, argument parsing, the progress bar. */
import { describe, expect, it } from 'vitest';
import { parseCommandArgs, parseTimeArg } from '../../../src/cli/ops-common';
import { Progress } from '../../../src/cli/progress';
import { MAX_WORKFLOW_ID_BYTES, parseTargetLine, rerunRequest, rerunWorkflowId, summaryLine, exitCodeFor } from '../../../src/cli/rerun';
import { searchValue } from '../../../src/cli/status';
import { ConfigError } from '../../../src/errors';
import type { EnrichmentRequest } from '../../../src/shared/types';

const NOW = new Date('2026-08-20T12:00:00.000Z');

describe('rerunWorkflowId', () => {
  it('is <old id>/rerun/<ISO time>', () => {
    expect(rerunWorkflowId('enrich/work_abc', NOW)).toBe('enrich/work_abc/rerun/2026-08-20T12:00:00.000Z');
  });
  it('falls back to enrich/rerun/<uuid> past the id length limit', () => {
    const long = `enrich/${'x'.repeat(MAX_WORKFLOW_ID_BYTES)}`;
    expect(rerunWorkflowId(long, NOW)).toMatch(/^enrich\/rerun\/[0-9a-f-]{36}$/);
    const fits = `enrich/${'x'.repeat(MAX_WORKFLOW_ID_BYTES - 7 - '/rerun/2026-08-20T12:00:00.000Z'.length)}`;
    expect(rerunWorkflowId(fits, NOW)).toHaveLength(MAX_WORKFLOW_ID_BYTES);
    expect(rerunWorkflowId(null, NOW)).toMatch(/^enrich\/rerun\/[0-9a-f-]{36}$/);
  });
});

describe('rerunRequest', () => {
  it('keeps the entity and drops the closed work and the finished playbook', () => {
    const original = {
      trigger: 'playbook',
      workId: 'work_1',
      entityId: 'ipv4-addr--1',
      entityType: 'IPv4-Addr',
      value: '198.51.100.7',
      stixEntity: { id: 'ipv4-addr--1', type: 'ipv4-addr', value: '198.51.100.7' },
      applicantId: 'user-1',
      draftId: null,
      playbook: { eventId: 'e' },
      receivedAt: '2026-01-01T00:00:00.000Z',
    } as unknown as EnrichmentRequest;
    expect(rerunRequest(original, NOW)).toEqual({ ...original, trigger: 'rerun', workId: null, playbook: null, receivedAt: NOW.toISOString() });
  });

  it('carries the answers to reuse, and never those an earlier re-run reused', () => {
    const earlier = { workflowId: 'enrich/work_0', runId: 'r0', oldestAnswerAt: '2026-01-01T00:00:00.000Z', findings: { asn: null } };
    const original = {
      trigger: 'rerun',
      workId: null,
      entityId: 'ipv4-addr--1',
      entityType: 'IPv4-Addr',
      value: '198.51.100.7',
      stixEntity: { id: 'ipv4-addr--1', type: 'ipv4-addr', value: '198.51.100.7' },
      applicantId: null,
      draftId: null,
      playbook: null,
      receivedAt: '2026-01-02T00:00:00.000Z',
      reusedAnswers: earlier,
    } as EnrichmentRequest;
    expect(rerunRequest(original, NOW)).not.toHaveProperty('reusedAnswers');
    const now = { workflowId: 'enrich/work_1', runId: 'r1', oldestAnswerAt: '2026-01-02T00:00:01.000Z', findings: { asn: null } };
    expect(rerunRequest(original, NOW, now).reusedAnswers).toBe(now);
  });
});

describe('parseTargetLine', () => {
  it('reads type:value, entity ids and workflow ids', () => {
    expect(parseTargetLine('IPv4-Addr:198.51.100.7')).toEqual({ kind: 'value', type: 'IPv4-Addr', value: '198.51.100.7' });
    expect(parseTargetLine('domain-name: example.com')).toEqual({ kind: 'value', type: 'Domain-Name', value: 'example.com' });
    expect(parseTargetLine('ipv4-addr--cec0294c-86c8-52cc-8448-ba43593736df')).toEqual({ kind: 'entity', entityId: 'ipv4-addr--cec0294c-86c8-52cc-8448-ba43593736df' });
    expect(parseTargetLine('enrich/work_f2de_2026-08-20T11:51:59.036Z')).toEqual({ kind: 'run', workflowId: 'enrich/work_f2de_2026-08-20T11:51:59.036Z' });
    expect(parseTargetLine('enrich/auto/file--1 01a23d2e-eff7-75de-a92d-1817da973f0a')).toEqual({
      kind: 'run',
      workflowId: 'enrich/auto/file--1',
      runId: '01a23d2e-eff7-75de-a92d-1817da973f0a',
    });
  });
});

describe('parseTimeArg', () => {
  it('takes ISO times and durations back from now', () => {
    expect(parseTimeArg('--since', '2026-08-19T00:00:00Z', NOW).toISOString()).toBe('2026-08-19T00:00:00.000Z');
    expect(parseTimeArg('--since', 'PT12H', NOW).toISOString()).toBe('2026-08-20T00:00:00.000Z');
    expect(parseTimeArg('--since', 'P2D', NOW).toISOString()).toBe('2026-08-18T12:00:00.000Z');
    expect(() => parseTimeArg('--since', 'yesterday', NOW)).toThrow(ConfigError);
    expect(() => parseTimeArg('--since', 'PT', NOW)).toThrow(ConfigError);
  });
});

describe('searchValue', () => {
  it('normalises like the bridge stores EtObservableValue', () => {
    expect(searchValue('08D9F42E95558080483D28154E573C8F')).toBe('08d9f42e95558080483d28154e573c8f');
    expect(searchValue('Bücher.Example')).toBe('xn--bcher-kva.example');
    expect(searchValue('198.51.100.7')).toBe('198.51.100.7');
  });
});

describe('summary and exit code', () => {
  it('counts, and fails when anything failed', () => {
    const c = { started: 3, completed: 1, partial: 1, 'no-data': 0, failed: 1 };
    expect(summaryLine(c)).toBe('rerun: 3 started, 1 completed, 1 partial, 0 no-data, 1 failed');
    expect(exitCodeFor(c)).toBe(1);
    expect(exitCodeFor({ ...c, failed: 0 })).toBe(3);
    expect(exitCodeFor({ ...c, failed: 0, partial: 0 })).toBe(0);
  });
});

describe('Progress', () => {
  it('redraws a bar in place on a terminal', () => {
    let text = '';
    const p = new Progress(4, { isTTY: true, write: (t: string) => (text += t) }, 10);
    p.tick(true, 'a');
    p.tick(false, 'b');
    expect(text.split('\r').at(-1)).toBe('[#####     ] 2/4 ok 1 failed 1');
    p.finish();
    expect(text.endsWith('\n')).toBe(true);
  });
  it('prints one line per item otherwise', () => {
    let text = '';
    const p = new Progress(2, { write: (t: string) => (text += t) });
    p.tick(true, 'x -> y: completed');
    p.tick(false, 'z: failed: nope');
    p.finish();
    expect(text).toBe('[1/2] x -> y: completed\n[2/2] z: failed: nope\n');
  });
});

describe('parseCommandArgs', () => {
  const options = { run: { type: 'string' }, json: { type: 'boolean' } } as const;
  const problemsOf = (args: string[]): readonly string[] => {
    try {
      parseCommandArgs('status', { args, options });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems;
    }
    return [];
  };

  it('names the unknown option and lists the ones the command takes, without Node advice about --', () => {
    expect(problemsOf(['--bogus'])).toEqual(["status: Unknown option '--bogus' (it takes --run, --json)"]);
  });
  it('reports a missing value as one problem', () => {
    const [problem, ...rest] = problemsOf(['--run']);
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^status: Option '--run <value>' argument missing/);
    expect(problem).toContain('(it takes --run, --json)');
  });
  it('accepts what it knows', () => {
    expect(problemsOf(['--run', 'enrich/w', '--json'])).toEqual([]);
  });
});
