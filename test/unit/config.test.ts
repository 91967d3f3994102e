import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONNECTOR_ID, loadConfig, parseIsoDuration, requireOpenCti, type ConfigNeeds } from '../../src/config';
import { ConfigError } from '../../src/errors';

const SECRET_TOKEN = 'opencti-token-should-never-show-1234';
const SECRET_KEY = 'et-key-should-never-show-5678';

const REAL = { OPENCTI_URL: 'http://opencti:8080', OPENCTI_TOKEN: SECRET_TOKEN, PROOFPOINT_ET_API_KEY: SECRET_KEY, CONNECTOR_ID: '6f0a7a6e-4f7c-4b8e-9a51-0e2f4c1d2b3a' };

function configError(env: NodeJS.ProcessEnv, needs: ConfigNeeds = 'none'): ConfigError {
  try {
    loadConfig(env, needs);
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

  it("reads the newer SDK connectors' CONNECTOR_MAX_TLP as the maximum TLP too (never silently the default)", () => {
    expect(loadConfig({ CONNECTOR_MAX_TLP: 'TLP:GREEN' }).etMaxTlp).toBe('TLP:GREEN');
    expect(configError({ CONNECTOR_MAX_TLP: 'TLP:GREEN', PROOFPOINT_ET_MAX_TLP: 'TLP:RED' }).problems).toEqual([expect.stringContaining('CONNECTOR_MAX_TLP')]);
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
    expect(() => loadConfig({ ...REAL, OPENCTI_TOKEN: 'ChangeMe', PROOFPOINT_ET_API_KEY: 'ChangeMe' }, 'connector')).toThrow(
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

describe('loadConfig for the CLI asking the platform (enrich --entity)', () => {
  it('needs the platform and the id of the running connector, never the built-in sandbox id', () => {
    expect(configError({ OPENCTI_URL: 'http://opencti:8080', OPENCTI_TOKEN: 'tok' }, 'platform').problems).toEqual([
      'CONNECTOR_ID: required to enrich an OpenCTI entity (--entity): the id of the running connector',
    ]);
    expect(configError({}, 'platform').problems).toHaveLength(3);
    const id = '6f0a7a6e-4f7c-4b8e-9a51-0e2f4c1d2b3a';
    expect(loadConfig({ OPENCTI_URL: 'http://opencti:8080', OPENCTI_TOKEN: 'tok', CONNECTOR_ID: id }, 'platform').connectorId).toBe(id);
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

/** Writes a config.yml in a fresh directory and returns the env that points at it. */
function withYaml(text: string, env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const file = join(mkdtempSync(join(tmpdir(), 'et-config-')), 'config.yml');
  writeFileSync(file, text);
  return { CONFIG_FILE: file, ...env };
}

describe('config.yml', () => {
  it("reads the original connector's proofpoint_et_intelligence: section (a migrated max_tlp is not lost)", () => {
    const c = loadConfig(withYaml('proofpoint_et_intelligence:\n  max_tlp: "TLP:AMBER"\n  import_last_seen_time_window: "P7D"\n  api_base_url: "http://et.local/v1"\n'));
    expect(c.etMaxTlp).toBe('TLP:AMBER');
    expect(c.etLastSeenWindow.text).toBe('P7D');
    expect(c.etBaseUrl).toBe('http://et.local/v1/');
  });

  it('refuses both sections giving one setting different values, naming both keys (as for env aliases)', () => {
    const env = withYaml('proofpoint_et:\n  max_tlp: "TLP:RED"\nproofpoint_et_intelligence:\n  max_tlp: "TLP:AMBER"\n');
    const err = configError(env);
    expect(err.problems).toEqual([`${env.CONFIG_FILE} proofpoint_et.max_tlp and ${env.CONFIG_FILE} proofpoint_et_intelligence.max_tlp: both set to different values; keep one`]);
    expect(loadConfig(withYaml('proofpoint_et:\n  max_tlp: "TLP:RED"\nproofpoint_et_intelligence:\n  max_tlp: "TLP:RED"\n')).etMaxTlp).toBe('TLP:RED');
  });

  it('lets the environment, under either spelling, win over config.yml', () => {
    const env = withYaml('proofpoint_et_intelligence:\n  max_tlp: "TLP:AMBER"\n', { PROOFPOINT_ET_INTELLIGENCE_MAX_TLP: 'TLP:GREEN' });
    expect(loadConfig(env).etMaxTlp).toBe('TLP:GREEN');
  });

  it('reports a mistyped key with the closest known one, in the one start-up message', () => {
    const env = withYaml('temporal:\n  adress: temporal:7233\n', { CONNECTOR_AUTO: 'maybe' });
    const err = configError(env);
    expect(err.problems).toContain(`${env.CONFIG_FILE} temporal.adress: unknown key; did you mean temporal.address?`);
    expect(err.problems.some((p) => p.startsWith('CONNECTOR_AUTO:'))).toBe(true);
    expect(err.message).toMatch(/^Cannot start: fix these/);
  });

  it('reports an unknown section, and a key put in the wrong section', () => {
    const env = withYaml('temporall:\n  namespace: x\nconnector:\n  max_tlp: "TLP:AMBER"\nbogus: 1\n');
    const err = configError(env);
    expect(err.problems).toEqual([
      expect.stringMatching(new RegExp(`^${env.CONFIG_FILE} temporall: unknown section; did you mean temporal\\?`)),
      `${env.CONFIG_FILE} connector.max_tlp: unknown key; it belongs in proofpoint_et: (proofpoint_et.max_tlp)`,
      expect.stringMatching(new RegExp(`^${env.CONFIG_FILE} bogus: unknown section \\(known: opencti, connector, proofpoint_et, proofpoint_et_intelligence, temporal, mq\\)`)),
    ]);
  });

  it("accepts pycti's connector.type, which means nothing here", () => {
    expect(() => loadConfig(withYaml('connector:\n  type: INTERNAL_ENRICHMENT\n'))).not.toThrow();
    expect(() => loadConfig(withYaml('connector:\n  confidence_level: 75\n'))).not.toThrow();
  });

  it('names the config.yml key path of a wrong value, never the value', () => {
    const env = withYaml(`proofpoint_et:\n  max_tlp: "TLP:PURPLE"\n  api_key: "${SECRET_KEY} x"\nconnector:\n  health_port: 99999\n`);
    const err = configError(env);
    expect(err.problems).toContain(`${env.CONFIG_FILE} proofpoint_et.max_tlp: must be one of TLP:CLEAR, TLP:WHITE, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED`);
    expect(err.problems).toContain(`${env.CONFIG_FILE} connector.health_port: must be a port number 1-65535 (or 0 for off)`);
    expect(err.problems.some((p) => p.startsWith(`${env.CONFIG_FILE} proofpoint_et.api_key: must be printable ASCII`))).toBe(true);
    expect(err.message).not.toContain(SECRET_KEY);
  });

  it('refuses a list or mapping where one value is expected, and takes YAML numbers and booleans', () => {
    const env = withYaml('temporal:\n  address:\n    host: x\n');
    expect(configError(env).problems).toEqual([`${env.CONFIG_FILE} temporal.address: must be a single value, not a list or mapping`]);
    const c = loadConfig(withYaml('connector:\n  auto: false\n  health_port: 8081\n  scope: [IPv4-Addr]\n'));
    expect(c).toMatchObject({ connectorAuto: false, healthPort: 8081, connectorScope: ['IPv4-Addr'] });
  });

  it("names the sample's placeholders by their key path", () => {
    const env = withYaml("opencti:\n  url: 'http://opencti:8080'\n  token: 'ChangeMe'\n");
    expect(configError({ ...env, PROOFPOINT_ET_API_KEY: SECRET_KEY, CONNECTOR_ID: REAL.CONNECTOR_ID }, 'connector').problems).toEqual([
      `${env.CONFIG_FILE} opencti.token: still the sample's placeholder "ChangeMe"; set the real value`,
    ]);
  });
});

describe('config.yml.sample', () => {
  const sample = join(__dirname, '../../config.yml.sample');

  it('uses only known keys, and runs once its ChangeMe values are replaced by real ones', () => {
    const env = { ...REAL, CONFIG_FILE: sample };
    expect(loadConfig(env, 'connector').connectorId).toBe(REAL.CONNECTOR_ID);
  });

  it('as shipped, stops start-up on its placeholders, the connector id included', () => {
    const names = configError({ CONFIG_FILE: sample }, 'connector').problems.map((p) => p.split(':')[0]);
    expect(names).toEqual([`${sample} opencti.token`, `${sample} proofpoint_et.api_key`, `${sample} connector.id`]);
  });
});

describe('CONNECTOR_ID', () => {
  it('is required against a real platform: a shared default would mix two deployments\' queues', () => {
    const { CONNECTOR_ID: _id, ...withoutId } = REAL;
    expect(configError(withoutId, 'connector').problems).toEqual([expect.stringMatching(/^CONNECTOR_ID: required against a real platform/)]);
  });

  it('keeps its default in sandbox mode and for commands that register nothing', () => {
    expect(loadConfig({}, 'connector').connectorId).toBe(DEFAULT_CONNECTOR_ID);
    expect(loadConfig({ PROOFPOINT_ET_API_KEY: SECRET_KEY }, 'et').connectorId).toBe(DEFAULT_CONNECTOR_ID);
  });

  it.each(['12345678-1234-1234-1234-123456789012', '6F0A7A6E-4F7C-4B8E-9A51-0E2F4C1D2B3A', ' 6f0a7a6e-4f7c-4b8e-9a51-0e2f4c1d2b3a '])('accepts any 8-4-4-4-12 hex UUID: %j', (id) => {
    expect(loadConfig({ ...REAL, CONNECTOR_ID: id }, 'connector').connectorId).toBe(id.trim());
  });

  it.each([
    ['00000000-0000-0000-0000-000000000000', /^CONNECTOR_ID: must not be the nil UUID/],
    ['6f0a7a6e4f7c4b8e9a510e2f4c1d2b3a', /^CONNECTOR_ID: must be a UUID/],
    ['6f0a7a6e-4f7c-4b8e-9a51-0e2f4c1d2b3g', /^CONNECTOR_ID: must be a UUID/],
  ])('refuses %j', (id, message) => {
    expect(configError({ ...REAL, CONNECTOR_ID: id }, 'connector').problems).toEqual([expect.stringMatching(message)]);
  });

  it('left at ChangeMe gives one line (the placeholder), not a second about the UUID shape', () => {
    expect(configError({ ...REAL, CONNECTOR_ID: 'ChangeMe' }, 'connector').problems).toEqual([`CONNECTOR_ID: still the sample's placeholder "ChangeMe"; set the real value`]);
    expect(configError({ CONNECTOR_ID: 'changeme' }).problems).toEqual([`CONNECTOR_ID: still the sample's placeholder "ChangeMe"; set the real value`]);
  });
});

describe('tokens and API keys', () => {
  it.each([
    ['OPENCTI_TOKEN', '…'],
    ['OPENCTI_TOKEN', 'abc def-1234'],
    ['PROOFPOINT_ET_API_KEY', 'clé-1234'],
    ['PROOFPOINT_ET_API_KEY', 'key\u0007bell'],
    ['PROOFPOINT_ET_INTELLIGENCE_API_KEY', 'key\u00a0nbsp'],
  ])('%s: refuses %j (it could only fail as an invalid authorization header), without echoing it', (name, value) => {
    // The alias replaces the canonical spelling, or the two would disagree.
    const base = name.startsWith('PROOFPOINT_ET') ? { ...REAL, PROOFPOINT_ET_API_KEY: undefined } : REAL;
    const err = configError({ ...base, [name]: value }, 'connector');
    expect(err.problems).toEqual([expect.stringMatching(new RegExp(`^${name}: must be printable ASCII without spaces`))]);
    expect(err.message).not.toContain(value);
  });

  it('trims the newline a secret file leaves, and accepts any printable ASCII', () => {
    const c = loadConfig({ ...REAL, OPENCTI_TOKEN: 'a!b"c~d{}\n', PROOFPOINT_ET_API_KEY: ` ${SECRET_KEY}\t` }, 'connector');
    expect(c.openctiToken).toBe('a!b"c~d{}');
    expect(c.etApiKey).toBe(SECRET_KEY);
  });
});

describe('URLs', () => {
  it.each([
    ['OPENCTI_URL', 'http://admin:s3cret-pw@opencti:8080'],
    ['OPENCTI_URL', 'http://admin@opencti:8080'],
    ['PROOFPOINT_ET_API_BASE_URL', 'https://u:s3cret-pw@api.emergingthreats.net/v1/'],
    ['CONNECTOR_LISTEN_PROTOCOL_API_URI', 'http://u:s3cret-pw@127.0.0.1:7070'],
  ])('%s: refuses credentials in %s, without echoing them', (name, value) => {
    const err = configError({ ...REAL, [name]: value }, 'connector');
    expect(err.problems).toEqual([expect.stringMatching(new RegExp(`^${name}: must not contain a user name or password`))]);
    expect(err.message).not.toContain('s3cret-pw');
    expect(err.message).not.toContain('admin');
  });

  it.each(['https://api.emergingthreats.net/v1?x=1', 'https://api.emergingthreats.net/v1/#top', 'https://api.emergingthreats.net/v1/?'])(
    'PROOFPOINT_ET_API_BASE_URL: refuses a query string or fragment (%s), which would swallow the paths appended to it',
    (value) => {
      expect(configError({ PROOFPOINT_ET_API_BASE_URL: value }).problems).toEqual([expect.stringMatching(/^PROOFPOINT_ET_API_BASE_URL: must not have a query string/)]);
    },
  );

  it.each(['ftp://opencti', 'opencti:8080', 'not a url'])('OPENCTI_URL: refuses %j as not an http(s) URL', (value) => {
    expect(configError({ OPENCTI_URL: value }).problems).toEqual(['OPENCTI_URL: must be an http(s) URL']);
  });
});

describe('messages and pycti-style values', () => {
  it.each([
    ['CONNECTOR_HEALTH_PORT', '99999', 'must be a port number 1-65535 (or 0 for off)'],
    ['CONNECTOR_HEALTH_PORT', 'eighty', 'must be a port number 1-65535 (or 0 for off)'],
    ['CONNECTOR_METRICS_PORT', '0', 'must be a port number 1-65535'],
    ['CONNECTOR_LISTEN_PROTOCOL_API_PORT', '70000', 'must be a port number 1-65535'],
    ['MQ_PORT', '-1', 'must be a port number 1-65535'],
    ['CONNECTOR_LOG_LEVEL', 'verbose', 'must be one of debug, info, warn (or warning), error'],
    ['CONNECTOR_AUTO', 'maybe', 'must be true or false (yes/no and 1/0 also work)'],
    ['CONNECTOR_AUTO', 'constructor', 'must be true or false (yes/no and 1/0 also work)'],
    ['CONNECTOR_LOG_LEVEL', 'constructor', 'must be one of debug, info, warn (or warning), error'],
    ['PROOFPOINT_ET_MAX_REQUESTS_PER_SECOND', 'fast', 'must be a positive number'],
  ])('%s=%s: "%s"', (name, value, message) => {
    expect(configError({ [name]: value }).problems).toEqual([`${name}: ${message}`]);
  });

  it('takes the log level case-insensitively, as pycti does', () => {
    expect(loadConfig({ CONNECTOR_LOG_LEVEL: 'INFO' }).logLevel).toBe('info');
    expect(loadConfig({ CONNECTOR_LOG_LEVEL: 'Warning' }).logLevel).toBe('warn');
    expect(loadConfig({ CONNECTOR_LOG_LEVEL: 'DEBUG' }).logLevel).toBe('debug');
  });

  it.each([
    ['True', true],
    ['TRUE', true],
    ['yes', true],
    ['1', true],
    ['False', false],
    ['FALSE', false],
    ['No', false],
    ['0', false],
  ])('CONNECTOR_AUTO=%s is %s', (value, expected) => {
    expect(loadConfig({ CONNECTOR_AUTO: value }).connectorAuto).toBe(expected);
  });

  it('treats a blank value as unset (the default applies), as pycti does', () => {
    expect(loadConfig({ CONNECTOR_AUTO: '  ', TEMPORAL_NAMESPACE: ' ' })).toMatchObject({ connectorAuto: true, temporalNamespace: 'default' });
  });

  it('refuses the metrics and health endpoints on one port, in the same message as the other problems', () => {
    const err = configError({ CONNECTOR_HEALTH_PORT: '8081', CONNECTOR_METRICS_PORT: '8081', PROOFPOINT_ET_MAX_REQUESTS_PER_SECOND: '5', PROOFPOINT_ET_MAX_REQUESTS_PER_MINUTE: '60' });
    expect(err.problems).toEqual([
      'PROOFPOINT_ET_MAX_REQUESTS_PER_SECOND and PROOFPOINT_ET_MAX_REQUESTS_PER_MINUTE: set one budget, not both',
      'CONNECTOR_METRICS_PORT and CONNECTOR_HEALTH_PORT: the same port; give each its own',
    ]);
    expect(loadConfig({ CONNECTOR_HEALTH_PORT: '0', CONNECTOR_METRICS_PORT: '9464' }).metricsPort).toBe(9464);
  });

  it('names the alias spelling an operator actually set', () => {
    expect(configError({ PROOFPOINT_ET_INTELLIGENCE_MAX_TLP: 'TLP:PURPLE' }).problems).toEqual([expect.stringMatching(/^PROOFPOINT_ET_INTELLIGENCE_MAX_TLP: must be one of/)]);
  });
});
