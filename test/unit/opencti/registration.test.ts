/**
 * Registration follows the platform's version: an older OpenCTI rejects input fields it does not
 * define, so the connector sends only those (checked against the fake, whose graphql-js schema
 * drops the newer fields for older versions, as the real platforms do).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config';
import { startFakeOpenCti, type FakeOpenCti } from '../../../src/fakes/opencti';
import { OpenCtiApi } from '../../../src/opencti/api';
import { register, registerInput } from '../../../src/opencti/registration';
import { versionAtLeast } from '../../../src/opencti/versions';
import { isTokenRefused } from '../../../src/bridge';

const TOKEN = 'registration-test-token-1234';

describe('registration by platform version', () => {
  let fake: FakeOpenCti | undefined;
  afterEach(async () => {
    await fake?.close();
  });

  async function registerAgainst(version: string, env: Record<string, string> = {}) {
    fake = await startFakeOpenCti({ token: TOKEN, version });
    const config = loadConfig({ OPENCTI_URL: fake.url, OPENCTI_TOKEN: TOKEN, CONNECTOR_ID: randomUUID(), ...env });
    const registration = await register(new OpenCtiApi({ url: fake.url, token: TOKEN }), config);
    return { config, registration, input: fake.connectors.get(config.connectorId)!.registrations.at(-1)!.input };
  }

  it('sends all ten fields to 6.9.17', async () => {
    const { input } = await registerAgainst('6.9.17');
    expect(Object.keys(input).sort()).toEqual(
      ['auto', 'auto_update', 'enrichment_resolution', 'id', 'listen_callback_uri', 'name', 'only_contextual', 'playbook_compatible', 'scope', 'type'].sort(),
    );
  });

  it('leaves out auto_update and enrichment_resolution for 6.7.0, which would reject them', async () => {
    const { input, registration } = await registerAgainst('6.7.0');
    expect(input).not.toHaveProperty('auto_update');
    expect(input).not.toHaveProperty('enrichment_resolution');
    expect(input.playbook_compatible).toBe(true);
    expect(registration.config.listen).toMatch(/^listen_/);
  });

  it('the fake for 6.7.0 does reject the 6.8.9 fields, as the real one would', async () => {
    fake = await startFakeOpenCti({ token: TOKEN, version: '6.7.0' });
    const config = loadConfig({ CONNECTOR_ID: randomUUID() });
    await expect(new OpenCtiApi({ url: fake.url, token: TOKEN }).registerConnector(registerInput(config))).rejects.toThrow(/auto_update/);
  });

  it('refuses API listen mode against a platform older than 6.5.7, saying what to change', async () => {
    await expect(registerAgainst('6.4.0', { CONNECTOR_LISTEN_PROTOCOL: 'API' })).rejects.toThrow(/CONNECTOR_LISTEN_PROTOCOL=AMQP/);
  });

  it('compares versions numerically', () => {
    expect(versionAtLeast('6.10.0', '6.9.17')).toBe(true);
    expect(versionAtLeast('6.8.9', '6.8.9')).toBe(true);
    expect(versionAtLeast('6.8.10', '6.9.0')).toBe(false);
    expect(versionAtLeast('7.260817.0', '6.8.9')).toBe(true);
  });
});

describe('registration with a token the platform refuses', () => {
  it('is told apart from a platform that is not reachable yet', async () => {
    const fake = await startFakeOpenCti({ token: TOKEN });
    try {
      const config = loadConfig({ OPENCTI_URL: fake.url, OPENCTI_TOKEN: 'not-the-token', CONNECTOR_ID: randomUUID() });
      const refused = await register(new OpenCtiApi({ url: fake.url, token: 'not-the-token' }), config).catch((e: unknown) => e);
      expect(isTokenRefused(refused)).toBe(true);
    } finally {
      await fake.close();
    }
    const config = loadConfig({ OPENCTI_URL: 'http://127.0.0.1:9', OPENCTI_TOKEN: TOKEN, CONNECTOR_ID: randomUUID() });
    const down = await register(new OpenCtiApi({ url: 'http://127.0.0.1:9', token: TOKEN, timeoutMs: 2_000 }), config).catch((e: unknown) => e);
    expect(isTokenRefused(down)).toBe(false);
  });
});
