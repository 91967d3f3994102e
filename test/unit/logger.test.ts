import { describe, expect, it } from 'vitest';
import { createLogger, logLevelOf, registerSecret, serialiseErrors } from '../../src/logger';

describe('logLevelOf (the level before the configuration is loaded)', () => {
  it.each([
    ['INFO', 'info'],
    ['Debug', 'debug'],
    ['WARNING', 'warn'],
    [' error ', 'error'],
    ['verbose', 'info'],
    ['constructor', 'info'],
    [undefined, 'info'],
  ])('%j is %s, as pycti lower-cases it', (text, level) => {
    expect(logLevelOf(text)).toBe(level);
  });
});

describe('errors in log lines', () => {
  it('keep their name, message, type and causes (which JSON.stringify would drop), and registered secrets stay hidden', () => {
    const lines: string[] = [];
    registerSecret('s3cret-token-for-logger-test');
    const root = Object.assign(new Error('5 NOT_FOUND: Namespace nope is not found (token s3cret-token-for-logger-test)'), { code: 5 });
    const wrapped = Object.assign(new Error('Failed to start Workflow', { cause: root }), { name: 'ServiceError' });
    createLogger({}, (l) => lines.push(l)).warn('Activity failed', { error: wrapped });
    const logged = JSON.parse(lines[0]!) as { error: unknown };
    expect(logged.error).toEqual({
      name: 'ServiceError',
      message: 'Failed to start Workflow',
      cause: { name: 'Error', message: '5 NOT_FOUND: Namespace nope is not found (token [REDACTED])' },
    });
    expect(serialiseErrors({ e: Object.assign(new Error('x'), { type: 'EtAuthError' }), n: 1 })).toEqual({ e: { name: 'Error', message: 'x', type: 'EtAuthError' }, n: 1 });
  });
});
