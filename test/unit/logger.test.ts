import { describe, expect, it } from 'vitest';
import { logLevelOf } from '../../src/logger';

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
