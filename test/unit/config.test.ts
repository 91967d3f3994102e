import { describe, expect, it } from 'vitest';
import { DEFAULT_CONNECTOR_ID, loadConfig, parseIsoDuration, requireOpenCti } from '../../src/config';
import { ConfigError } from '../../src/errors';

const SECRET_TOKEN = 'opencti-token-should-never-show-1234';
const SECRET_KEY = 'et-key-should-never-show-5678';

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c.connectorId).toBe(DEFAULT_CONNECTOR_ID);
    expect(c.connectorName).toBe('ProofPoint ET Intelligence');
    expect(c.connectorScope).toEqual(['IPv4-Addr', 'Domain-Name', 'StixFile']);
    expect(c.connectorAuto).toBe(true);
    expect(c.etBaseUrl).toBe('https://api.emergingthreats.net/v1/');
    expect(c.etMaxTlp).toBe('TLP:AMBER+STRICT');
    expect(c.etLastSeenWindow).toEqual({ text: 'P30D', ms: 30 * 86_400_000 });
    expect(c.temporalNamespace).toBe('default');
    expect(c.temporalTaskQueue).toBe('proofpoint-et-enrichment');
    expect(c.pingIntervalSeconds).toBe(40);
  });

  it('adds the trailing slash the original connector needed by hand', () => {
    expect(loadConfig({ PROOFPOINT_ET_API_BASE_URL: 'http://127.0.0.1:9000/v1' }).etBaseUrl).toBe('http://127.0.0.1:9000/v1/');
    expect(loadConfig({ PROOFPOINT_ET_API_BASE_URL: 'http://127.0.0.1:9000/v1/' }).etBaseUrl).toBe('http://127.0.0.1:9000/v1/');
  });

  it("accepts the original connector's PROOFPOINT_ET_INTELLIGENCE_* spellings", () => {
    const c = loadConfig({
      PROOFPOINT_ET_INTELLIGENCE_API_KEY: SECRET_KEY,
      PROOFPOINT_ET_INTELLIGENCE_MAX_TLP: 'TLP:GREEN',
      PROOFPOINT_ET_INTELLIGENCE_API_BASE_URL: 'http://localhost:1/v1/',
      PROOFPOINT_ET_INTELLIGENCE_IMPORT_LAST_SEEN_TIME_WINDOW: 'PT24H',
    });
    expect(c.etApiKey).toBe(SECRET_KEY);
    expect(c.etMaxTlp).toBe('TLP:GREEN');
    expect(c.etBaseUrl).toBe('http://localhost:1/v1/');
    expect(c.etLastSeenWindow.ms).toBe(86_400_000);
  });

  it('trims scope items and lower-cases nothing', () => {
    expect(loadConfig({ CONNECTOR_SCOPE: ' IPv4-Addr , StixFile ' }).connectorScope).toEqual(['IPv4-Addr', 'StixFile']);
  });

  it('lists every problem at once, by variable name, without echoing any value', () => {
    const err = configError({
      OPENCTI_URL: 'not a url',
      CONNECTOR_ID: '42',
      PROOFPOINT_ET_MAX_TLP: 'TLP:PURPLE',
      PROOFPOINT_ET_IMPORT_LAST_SEEN_TIME_WINDOW: '30',
      CONNECTOR_AUTO: 'maybe',
      OPENCTI_TOKEN: SECRET_TOKEN,
      PROOFPOINT_ET_API_KEY: SECRET_KEY,
    });
    const names = err.problems.map((p) => p.split(':')[0]);
    expect(names).toEqual(
      expect.arrayContaining(['OPENCTI_URL', 'CONNECTOR_ID', 'PROOFPOINT_ET_MAX_TLP', 'PROOFPOINT_ET_IMPORT_LAST_SEEN_TIME_WINDOW', 'CONNECTOR_AUTO']),
    );
    expect(err.message).toContain('TLP:CLEAR, TLP:WHITE, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED');
    expect(err.message).not.toContain(SECRET_TOKEN);
    expect(err.message).not.toContain(SECRET_KEY);
    expect(err.message).not.toContain('not a url');
  });

  it('refuses two spellings of one setting with different values', () => {
    const err = configError({ PROOFPOINT_ET_API_KEY: 'a-key-1', PROOFPOINT_ET_INTELLIGENCE_API_KEY: 'a-key-2' });
    expect(err.problems[0]).toMatch(/PROOFPOINT_ET_API_KEY and PROOFPOINT_ET_INTELLIGENCE_API_KEY/);
    expect(err.message).not.toContain('a-key-1');
  });
});

describe('loadConfig for the connector (worker, bridge)', () => {
  it('reports missing and wrong values in the same message', () => {
    let err: ConfigError | undefined;
    try {
      loadConfig({ OPENCTI_URL: 'http://opencti:8080', CONNECTOR_ID: '42', PROOFPOINT_ET_MAX_TLP: 'TLP:PURPLE' }, 'connector');
    } catch (e) {
      err = e as ConfigError;
    }
    const names = err!.problems.map((p) => p.split(':')[0]);
    expect(names).toEqual(expect.arrayContaining(['OPENCTI_TOKEN', 'PROOFPOINT_ET_API_KEY', 'CONNECTOR_ID', 'PROOFPOINT_ET_MAX_TLP']));
  });

  it('runs in sandbox mode (no requirement) when none of OPENCTI_URL, OPENCTI_TOKEN, PROOFPOINT_ET_API_KEY is set', () => {
    expect(() => loadConfig({}, 'connector')).not.toThrow();
  });

  it("refuses the sample's ChangeMe placeholders", () => {
    expect(() => loadConfig({ OPENCTI_URL: 'http://opencti:8080', OPENCTI_TOKEN: 'ChangeMe', PROOFPOINT_ET_API_KEY: 'ChangeMe' }, 'connector')).toThrow(
      /OPENCTI_TOKEN: still the sample's placeholder[\s\S]*PROOFPOINT_ET_API_KEY: still the sample's placeholder/,
    );
  });

  it('refuses a scope listing a type ET Intelligence does not know', () => {
    expect(() => loadConfig({ CONNECTOR_SCOPE: 'IPv4-Addr,Url' })).toThrow(/CONNECTOR_SCOPE: may only list IPv4-Addr, Domain-Name, StixFile/);
  });

  it('caps PROOFPOINT_ET_MAX_RELATED_PER_KIND at 5,000, which keeps each ET answer far under the history payload limit', () => {
    expect(loadConfig({ PROOFPOINT_ET_MAX_RELATED_PER_KIND: '5000' }).etMaxRelated).toBe(5000);
    expect(() => loadConfig({ PROOFPOINT_ET_MAX_RELATED_PER_KIND: '5001' })).toThrow(/PROOFPOINT_ET_MAX_RELATED_PER_KIND: must be at most 5000/);
  });
});

describe('requireOpenCti', () => {
  it('names every missing setting the bridge and the worker need', () => {
    expect(() => requireOpenCti(loadConfig({}))).toThrow(/OPENCTI_URL[\s\S]*OPENCTI_TOKEN[\s\S]*PROOFPOINT_ET_API_KEY/);
  });
});

describe('parseIsoDuration', () => {
  it.each([
    ['P30D', 30 * 86_400_000],
    ['PT24H', 86_400_000],
    ['P1DT12H', 36 * 3_600_000],
    ['P1W', 7 * 86_400_000],
  ])('%s is %d ms', (text, ms) => expect(parseIsoDuration(text)).toBe(ms));

  it.each(['30', 'P', 'PT', 'P0D', '30 days', ''])('rejects %j', (text) => expect(parseIsoDuration(text)).toBeNull());
});
