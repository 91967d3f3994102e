import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtActivities } from '../../../src/activities/et-intelligence';
import { EtClient } from '../../../src/et/client';
import { startFakeEtApi, type FakeEtApi } from '../../../src/fakes/et-api/server';
import { ET_API_KEY, ET_FIXTURES_DIR, REFERENCE_NOW, WINDOW_MS } from '../../helpers/fixtures';

describe('ET activities: a value of the wrong kind for the call', () => {
  let fake: FakeEtApi;
  let client: EtClient;

  beforeAll(async () => {
    fake = await startFakeEtApi({ apiKey: ET_API_KEY, fixturesDir: ET_FIXTURES_DIR });
    client = new EtClient({ baseUrl: fake.baseUrl, apiKey: ET_API_KEY, timeoutMs: 2_000 });
  });
  afterAll(async () => {
    await client.close();
    await fake.close();
  });

  it('fails without retry (EtValueRefused) and asks ET nothing', async () => {
    const activities = createEtActivities({ client, now: () => REFERENCE_NOW, windowMs: WINDOW_MS, cap: 100 });
    const failure = await new MockActivityEnvironment().run(activities.getRelatedIps, '198.51.100.7').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'EtValueRefused', nonRetryable: true, message: expect.stringContaining('needs a domain name') });
    expect(fake.requests).toHaveLength(0);
  });
});
