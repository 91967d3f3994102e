/**
 * HTTP mode (OpenCTI >= 6.5.7): requests arrive on our listen_callback_uri, POSTed by the
 * platform's worker from the listen queue, and bundles go back through the stixBundlePush
 * mutation instead of RabbitMQ. The same behaviours as in AMQP mode, on the same real services.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../src/temporal/dev-server';
import type { StixObject } from '../../src/shared/types';
import { assertMatchesExpected } from '../helpers/expected-matcher';
import { readExpected, readMessage } from '../helpers/fixtures';
import { freshRequest, startHarness, type Harness } from '../helpers/harness';

function entityOf(messageName: string): { entityId: string; stixEntity: StixObject } {
  const msg = JSON.parse(readMessage(messageName).toString('utf8'));
  return { entityId: msg.event.entity_id, stixEntity: JSON.parse(msg.event.stix_entity) };
}

describe('API listen and push mode', () => {
  let h: Harness;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    h = await startHarness({
      env: {
        CONNECTOR_LISTEN_PROTOCOL: 'API',
        CONNECTOR_LISTEN_PROTOCOL_API_URI: `http://127.0.0.1:${port}`,
        CONNECTOR_LISTEN_PROTOCOL_API_PORT: String(port),
        CONNECTOR_QUEUE_PROTOCOL: 'api',
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('registers its callback URI', () => {
    const registration = h.opencti.connectors.get(h.config.connectorId)!.registrations.at(-1)!;
    expect(registration.input.listen_callback_uri).toBe(`http://127.0.0.1:${port}/api/callback`);
  });

  it.each([
    ['manual-ipv4.json', 'ip-rich.json'],
    ['auto-domain.json', 'domain-rich.json'],
    ['manual-file-md5.json', 'file-md5.json'],
  ])('%s arrives over HTTP and its bundle comes back through stixBundlePush', async (messageName, expectedName) => {
    const { workId } = await h.publishFixture(messageName);
    const work = await h.waitClosed(workId!);
    expect(work.inError).toBe(false);
    assertMatchesExpected(h.opencti.bundleFor(workId!), readExpected(expectedName), entityOf(messageName));
    expect(h.opencti.graphqlCalls.some((c) => c.rootFields.includes('stixBundlePush') && c.variables.work_id === workId)).toBe(true);
    // The platform's worker records a delivery when our answer reaches it, which can be just after the work closed.
    await vi.waitFor(() => expect(h.opencti.callbackDeliveries.filter((d) => d.outcome === 'acked').length).toBeGreaterThan(0), { timeout: 5_000 });
  });

  it('refuses a wrong token with 401', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/callback`, { method: 'POST', headers: { authorization: 'Bearer wrong' }, body: '{}' });
    expect(res.status).toBe(401);
  });

  it('answers an unreadable request with 400, closes its work in error, and keeps serving', async () => {
    const bad = freshRequest(readMessage('malformed-not-json.txt'), h.config.connectorId);
    await h.publishRaw(bad.body);
    const work = await h.waitClosed(bad.workId!);
    expect(work.inError, JSON.stringify(work.calls)).toBe(true);
    await vi.waitFor(() => expect(h.opencti.callbackDeliveries.some((d) => d.status === 400 && d.outcome === 'dropped')).toBe(true), { timeout: 5_000 });
    const good = await h.publishFixture('manual-file-md5.json');
    expect((await h.waitClosed(good.workId!)).inError).toBe(false);
  });

  it('a refused entity closes its work with the reason', async () => {
    const { workId } = await h.publishFixture('manual-ipv4-tlp-red.json');
    const work = await h.waitClosed(workId!);
    expect(work.inError).toBe(true);
    expect(work.errors.at(-1)?.message).toMatch(/TLP:RED/);
  });
});
