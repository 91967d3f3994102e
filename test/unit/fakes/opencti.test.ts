/**
 * The fake OpenCTI platform against the real RabbitMQ broker (127.0.0.1:5672, guest/guest):
 * GraphQL answers in the fixture shapes, strict input validation, the §2 topology, the work
 * state machine, the worker simulation and the triggers. Each test uses a fresh connector id,
 * so queues never collide; the queues a test created are deleted after it.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger';
import { type FakeOpenCti, startFakeOpenCti } from '../../../src/fakes/opencti';
import { readGraphql, readMessage } from '../../helpers/fixtures';

const TOKEN = 'fake-opencti-test-token-5d1e';
const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
const FIXTURE_CONNECTOR_ID = 'f2de8084-47ab-4ff2-ae63-e5a7c6e5c720';
const FIXTURE_WORK_ID = 'work_f2de8084-47ab-4ff2-ae63-e5a7c6e5c720_2026-08-20T11:58:41.207Z';

// biome-ignore lint/suspicious/noExplicitAny: GraphQL answers are asserted field by field.
type Json = any;
interface GqlBody {
  query: string;
  variables?: Record<string, unknown>;
}

let fake: FakeOpenCti;
let amqp: ChannelModel;
let created: string[] = [];

beforeAll(async () => {
  fake = await startFakeOpenCti({ token: TOKEN, amqpUrl: AMQP_URL, logger: createLogger({}, () => undefined) });
  amqp = await connect(AMQP_URL);
});

afterAll(async () => {
  await fake?.close();
  await amqp?.close();
});

afterEach(async () => {
  for (const id of created) {
    await withChannel(async (ch) => {
      await ch.deleteQueue(`listen_${id}`);
      await ch.deleteQueue(`push_${id}`);
    });
  }
  created = [];
});

/** A fresh connector id whose queues are deleted after the test. */
function newConnectorId(): string {
  const id = randomUUID();
  created.push(id);
  return id;
}

/** Runs `fn` on a channel of its own (a failed passive check closes the channel). */
async function withChannel<T>(fn: (ch: Channel) => Promise<T>): Promise<T> {
  const ch = await amqp.createChannel();
  ch.on('error', () => undefined);
  try {
    return await fn(ch);
  } finally {
    await ch.close().catch(() => undefined);
  }
}

async function gql(body: GqlBody, token: string | null = TOKEN): Promise<{ status: number; json: Json }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': 'pycti/6.9.17' };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(fake.graphqlUrl, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

/** A fixture GraphQL body with some variables replaced. */
function fixtureBody(name: string, variables: Record<string, unknown> = {}): GqlBody {
  const body = readGraphql<GqlBody>(`${name}.request`);
  return { ...body, variables: { ...body.variables, ...variables } };
}

/** The fixture's registration input for another connector id. */
function registrationInput(connectorId: string): Record<string, unknown> {
  return { ...(fixtureBody('registerConnector').variables?.input as Record<string, unknown>), id: connectorId };
}

async function register(connectorId: string): Promise<Json> {
  const { json } = await gql(fixtureBody('registerConnector', { input: registrationInput(connectorId) }));
  expect(json.errors).toBeUndefined();
  return json.data.registerConnector;
}

/** Publishes one push part the way pycti does (§4.3). */
async function publishPart(connectorId: string, workId: string | null, objects: object[], actionSequence = 1): Promise<void> {
  const bundle = { type: 'bundle', id: `bundle--${randomUUID()}`, spec_version: '2.1', x_opencti_seq: objects.length, objects };
  const message = {
    bundle_type: 'QUEUE_BUNDLE',
    applicant_id: '3ec03d47-eb95-4f25-b3d1-08449668db47',
    action_sequence: actionSequence,
    entities_types: [],
    content: Buffer.from(JSON.stringify(bundle), 'utf8').toString('base64'),
    update: false,
    draft_id: null,
    ...(workId ? { work_id: workId } : {}),
  };
  await withChannel(async (ch) => {
    ch.publish('amqp.worker.exchange', `push_routing_${connectorId}`, Buffer.from(JSON.stringify(message)), { deliveryMode: 2, contentEncoding: 'utf-8' });
  });
}

const ipv4 = (value: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ type: 'ipv4-addr', spec_version: '2.1', id: `ipv4-addr--${randomUUID()}`, value, ...extra });

async function rabbitmqctl(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('rabbitmqctl', ['-q', ...args], { timeout: 30_000 });
  return stdout;
}

describe('fake OpenCTI: GraphQL surface', () => {
  it('answers about { version } like the fixture and rejects a wrong or missing token like the platform', async () => {
    const ok = await gql(readGraphql<GqlBody>('about.request'));
    expect(ok).toEqual({ status: 200, json: readGraphql('about.response') });

    for (const token of ['wrong-token', null]) {
      const denied = await gql(readGraphql<GqlBody>('about.request'), token);
      expect(denied.status).toBe(200);
      expect(denied.json.data).toEqual({ about: null });
      expect(denied.json.errors).toHaveLength(1);
      expect(denied.json.errors[0]).toMatchObject({ message: 'You must be logged in to do this.', name: 'AUTH_REQUIRED', path: ['about'], extensions: { code: 'AUTH_REQUIRED' } });
    }
    const calls = fake.graphqlCalls.slice(-3);
    expect(calls.map((c) => c.authenticated)).toEqual([true, false, false]);
    expect(calls[0]?.headers.userAgent).toBe('pycti/6.9.17');
    expect(JSON.stringify(fake.graphqlCalls)).not.toContain(TOKEN);
  });

  it('answers HTTP 400 to a body that is not a JSON GraphQL request, as Apollo does', async () => {
    const text = await fetch(fake.graphqlUrl, { method: 'POST', headers: { 'Content-Type': 'text/plain', Authorization: `Bearer ${TOKEN}` }, body: '{"query":"{ about { version } }"}' });
    expect(text.status).toBe(400);
    const empty = await gql({ query: '' });
    expect(empty.status).toBe(400);
    expect(empty.json.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('registers with the fixture request and answers in the fixture shape', async () => {
    const id = newConnectorId();
    const data = await register(id);
    const expected = readGraphql<Json>('registerConnector.response').data.registerConnector;
    const swapId = (text: string) => text.replace(FIXTURE_CONNECTOR_ID, id);
    expect(data).toEqual({
      ...expected,
      id,
      config: {
        ...Object.fromEntries(Object.entries(expected.config).map(([k, v]) => [k, typeof v === 'string' ? swapId(v) : v])),
        connection: { ...expected.config.connection, host: '127.0.0.1' },
        s3: expect.objectContaining({ port: expect.any(Number), bucket_name: expect.any(String) }),
      },
    });
    const record = fake.connectors.get(id);
    expect(record?.registrations).toHaveLength(1);
    expect(record?.registrations[0]?.input).toEqual(registrationInput(id));
    expect(record?.registrations[0]?.headers.userAgent).toBe('pycti/6.9.17');

    // A second registration updates and keeps the stored state.
    await gql(fixtureBody('pingConnector', { id, state: '{"seen":1}' }));
    const again = await register(id);
    expect(again.connector_state).toBe('{"seen":1}');
    expect(fake.connectors.get(id)?.registrations.map((r) => r.created)).toEqual([true, false]);
  });

  it('rejects what the 6.9.17 platform rejects: unknown input field, bad enum, missing id, short or blank name', async () => {
    const id = newConnectorId();
    const unknown = await gql(fixtureBody('registerConnector', { input: { ...registrationInput(id), version: '6.9.17' } }));
    const fixture = readGraphql<Json>('registerConnector.response.unknown-field').errors[0];
    expect(unknown.status).toBe(200);
    expect(unknown.json.data).toBeUndefined();
    expect(unknown.json.errors).toHaveLength(1);
    expect(unknown.json.errors[0].message).toMatch(/^Variable "\$input" got invalid value \{.*\}; Field "version" is not defined by type "RegisterConnectorInput"\.$/);
    expect(unknown.json.errors[0]).toMatchObject({ locations: fixture.locations, extensions: fixture.extensions });

    const badEnum = await gql(fixtureBody('registerConnector', { input: { ...registrationInput(id), type: 'ENRICHMENT' } }));
    expect(badEnum.json.errors[0].message).toContain('Value "ENRICHMENT" does not exist in "ConnectorType" enum.');
    expect(badEnum.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');

    const { id: _dropped, ...withoutId } = registrationInput(id);
    const missing = await gql(fixtureBody('registerConnector', { input: withoutId }));
    expect(missing.json.errors[0].message).toContain('Field "id" of required type "ID!" was not provided.');

    const short = await gql(fixtureBody('registerConnector', { input: { ...registrationInput(id), name: 'E' } }));
    expect(short.json.errors[0]).toMatchObject({
      message: 'Variable "$input" got invalid value "E" at "input.name". Must be at least 2 characters in length',
      extensions: { code: 'BAD_USER_INPUT', field: 'input.name' },
    });
    const blank = await gql(fixtureBody('registerConnector', { input: { ...registrationInput(id), name: '   ' } }));
    expect(blank.json.errors[0].message).toBe('Variable "$input" got invalid value "   " at "input.name". Value cannot have only whitespace(s)');

    const unknownField = await gql({ query: 'query { about { version build } }' });
    expect(unknownField.json.errors[0]).toMatchObject({ message: 'Cannot query field "build" on type "AppInfo".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(fake.connectors.has(id)).toBe(false);
  });

  it('answers pingConnector in the fixture shapes, and errors on an unknown id', async () => {
    const id = newConnectorId();
    const unknown = await gql(fixtureBody('pingConnector', { id }));
    const fixture = readGraphql<Json>('pingConnector.response.unknown-id');
    expect(unknown.status).toBe(200);
    expect(unknown.json.data).toEqual(fixture.data);
    expect(unknown.json.errors[0]).toMatchObject({ message: fixture.errors[0].message, name: fixture.errors[0].name, path: fixture.errors[0].path });

    await register(id);
    const ping = await gql(fixtureBody('pingConnector', { id }));
    const expected = readGraphql<Json>('pingConnector.response');
    expect(ping.json).toEqual({ data: { pingConnector: { ...expected.data.pingConnector, id } } });
    const record = fake.connectors.get(id);
    expect(record?.pings).toHaveLength(1);
    expect(record?.pings[0]).toMatchObject({ state: 'null', connectorInfo: fixtureBody('pingConnector').variables?.connectorInfo, stateStored: true });
  });
});

describe('fake OpenCTI: RabbitMQ topology and state reset', () => {
  it('declares both exchanges and both queues on registration, bound with the platform routing keys', async () => {
    const id = newConnectorId();
    await register(id);
    await withChannel(async (ch) => {
      await ch.checkExchange('amqp.connector.exchange');
      await ch.checkExchange('amqp.worker.exchange');
      await expect(ch.checkQueue(`listen_${id}`)).resolves.toMatchObject({ queue: `listen_${id}`, messageCount: 0 });
      await expect(ch.checkQueue(`push_${id}`)).resolves.toMatchObject({ queue: `push_${id}` });
    });
    const confirm = await amqp.createConfirmChannel();
    confirm.publish('amqp.connector.exchange', `listen_routing_${id}`, Buffer.from('{}'), { mandatory: true });
    await confirm.waitForConfirms();
    await confirm.close();
    await withChannel(async (ch) => {
      await expect(ch.checkQueue(`listen_${id}`)).resolves.toMatchObject({ messageCount: 1 });
    });
    await publishPart(id, null, [ipv4('192.0.2.5')]);
    // The worker simulation consumes push_<id>: the part arrived through the push binding.
    const consumed = await fake.waitFor(() => fake.pushMessages.find((m) => m.connectorId === id));
    expect(consumed).toMatchObject({ outcome: 'imported', delivery: { exchange: 'amqp.worker.exchange', routingKey: `push_routing_${id}` } });
  });

  it('stores the platform queue arguments (name, config{id,type,scope}, x-queue-type) on durable queues', async (ctx) => {
    const id = newConnectorId();
    await register(id);
    // Custom queue arguments are invisible over AMQP; read them with rabbitmqctl when it is usable here.
    const queues = await rabbitmqctl(['list_queues', 'name', 'durable', 'auto_delete', 'exclusive', 'arguments', '--formatter', 'json']).catch((err: Error) => {
      ctx.skip(`rabbitmqctl is not usable here: ${err.message}`);
      return '';
    });
    for (const queue of [`listen_${id}`, `push_${id}`]) {
      const line = queues.split('\n').find((l) => l.includes(`"name":"${queue}"`));
      expect(line, queue).toBeDefined();
      expect(line).toContain('"durable":true');
      expect(line).toContain('"auto_delete":false');
      expect(line).toContain('"exclusive":false');
      expect(line).toContain('["name","longstr","ProofPoint ET Intelligence"]');
      expect(line).toContain(`["config","table",[["id","longstr","${id}"],["type","longstr","INTERNAL_ENRICHMENT"],["scope","array",{"longstr":"IPv4-Addr","longstr":"Domain-Name","longstr":"StixFile"}]]]`);
      expect(line).toContain('["x-queue-type","longstr","classic"]');
    }
  });

  it('re-declares a deleted topology on ping', async () => {
    const id = newConnectorId();
    await register(id);
    await withChannel(async (ch) => {
      await ch.deleteQueue(`listen_${id}`);
    });
    await gql(fixtureBody('pingConnector', { id }));
    await withChannel(async (ch) => {
      await expect(ch.checkQueue(`listen_${id}`)).resolves.toMatchObject({ messageCount: 0 });
    });
  });

  it('deletes both queues of a deleted connector (and nothing else)', async () => {
    const id = newConnectorId();
    const other = newConnectorId();
    await register(id);
    await register(other);
    await fake.deleteConnector(id);
    for (const queue of [`listen_${id}`, `push_${id}`]) {
      await withChannel(async (ch) => {
        await expect(ch.checkQueue(queue)).rejects.toThrow(/NOT_FOUND/);
      });
    }
    await withChannel(async (ch) => {
      await expect(ch.checkQueue(`listen_${other}`)).resolves.toMatchObject({ messageCount: 0 });
    });
    created = created.filter((c) => c !== id);
  });

  it('implements the reset flag: purge, state "" on the next ping without storing it, then normal again', async () => {
    const id = newConnectorId();
    await register(id);
    const first = await gql(fixtureBody('pingConnector', { id, state: '{"cursor":1}' }));
    expect(first.json.data.pingConnector.connector_state).toBe('{"cursor":1}');
    await fake.publishRequest(id, readMessage('manual-ipv4-unknown.json'));
    await publishPart(id, null, [ipv4('192.0.2.1')]);

    await fake.resetState(id);
    await withChannel(async (ch) => {
      await expect(ch.checkQueue(`listen_${id}`)).resolves.toMatchObject({ messageCount: 0 });
    });
    const afterReset = await gql(fixtureBody('pingConnector', { id, state: '{"cursor":2}' }));
    const expected = readGraphql<Json>('pingConnector.response.after-reset').data.pingConnector;
    expect(afterReset.json.data.pingConnector).toEqual({ ...expected, id });
    const next = await gql(fixtureBody('pingConnector', { id, state: '{"cursor":3}' }));
    expect(next.json.data.pingConnector.connector_state).toBe('{"cursor":3}');
    expect(fake.connectors.get(id)?.pings.map((p) => [p.stateStored, p.returnedState])).toEqual([
      [true, '{"cursor":1}'],
      [false, ''],
      [true, '{"cursor":3}'],
    ]);
  });
});

describe('fake OpenCTI: works and the worker simulation', () => {
  it('runs a full work lifecycle through the fixture workEdit bodies and the push queue', async () => {
    const id = newConnectorId();
    await register(id);
    const workId = fake.createWork(id);
    expect(workId).toMatch(new RegExp(`^work_${id}_\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$`));
    expect((await gql(fixtureBody('isWorkAlive', { id: workId }))).json).toEqual(readGraphql('isWorkAlive.response'));

    const received = await gql(fixtureBody('workEdit-toReceived', { id: workId }));
    expect(received.json).toEqual({ data: { workEdit: { toReceived: workId } } });
    const added = await gql(fixtureBody('workEdit-addExpectations', { id: workId, expectations: 2 }));
    expect(added.json).toEqual({ data: { workEdit: { addExpectations: workId } } });

    const observable = ipv4('198.51.100.23', { nb_deps: 1 });
    const author = { type: 'identity', spec_version: '2.1', id: `identity--${randomUUID()}`, name: 'ProofPoint ET Intelligence', identity_class: 'organization', nb_deps: 1 };
    await publishPart(id, workId, [author], 1);
    await publishPart(id, workId, [observable], 2);
    const done = await fake.waitForWork(workId, (w) => w.tracking?.import_processed_number === 2);
    expect(done.status).toBe('complete'); // the last reportExpectation completes it

    const processed = await gql(fixtureBody('workEdit-toProcessed', { id: workId }));
    expect(processed.json).toEqual({ data: { workEdit: { toProcessed: workId } } });

    const work = fake.work(workId);
    expect(work).toMatchObject({ status: 'complete', completed_number: 2, import_expected_number: 2, alive: false, tracking: null, inError: false });
    expect(work?.transitions.map((t) => t.to)).toEqual(['wait', 'progress', 'complete']);
    expect(work?.calls.map((c) => `${c.source}:${c.operation}`)).toEqual([
      'platform:create',
      'graphql:toReceived',
      'graphql:addExpectations',
      'worker:reportExpectation',
      'worker:reportExpectation',
      'graphql:toProcessed',
    ]);
    expect(fake.expectationsAddedBeforeParts(workId)).toBe(true);
    expect(fake.partsFor(workId).map((p) => [p.action_sequence, p.delivery.deliveryMode, p.delivery.contentEncoding])).toEqual([
      [1, 2, 'utf-8'],
      [2, 2, 'utf-8'],
    ]);
    const { nb_deps: _a, ...authorClean } = author;
    const { nb_deps: _b, ...observableClean } = observable;
    expect(fake.bundleFor(workId)).toEqual([authorClean, observableClean]);

    const query = await gql(fixtureBody('work', { id: workId }));
    const expected = readGraphql<Json>('work.response').data.work;
    expect(query.json.data.work).toEqual({
      ...expected,
      id: workId,
      timestamp: work?.timestamp,
      event_source_id: null,
      received_time: work?.received_time,
      processed_time: work?.processed_time,
      completed_time: work?.completed_time,
      tracking: { import_expected_number: 2, import_processed_number: 2 },
      messages: [
        { ...expected.messages[0], timestamp: work?.received_time },
        { ...expected.messages[1], timestamp: work?.processed_time },
      ],
    });
    expect((await gql(fixtureBody('isWorkAlive', { id: workId }))).json).toEqual(readGraphql('isWorkAlive.response.after-completion'));
  });

  it('keeps a work in progress after toProcessed until the last expectation is reported', async () => {
    const id = newConnectorId();
    await register(id);
    const workId = fake.createWork(id);
    await gql(fixtureBody('workEdit-toReceived', { id: workId }));
    await gql(fixtureBody('workEdit-addExpectations', { id: workId, expectations: 1 }));
    await gql(fixtureBody('workEdit-toProcessed', { id: workId }));
    expect(fake.work(workId)).toMatchObject({ status: 'progress', alive: true });
    await publishPart(id, workId, [ipv4('192.0.2.9')]);
    const work = await fake.waitForWork(workId, 'complete');
    expect(work.completed_number).toBe(1);
  });

  it('closes a work in error with toProcessed(inError) and no bundle', async () => {
    const id = newConnectorId();
    await register(id);
    const workId = fake.createWork(id);
    await gql(fixtureBody('workEdit-toReceived', { id: workId }));
    await gql(fixtureBody('workEdit-toProcessed-inError', { id: workId }));
    const message = fixtureBody('workEdit-toProcessed-inError').variables?.message;
    // Expected 0: complete at once with completed_number 1; the tracking hash stays (counts unequal), as on the platform.
    expect(fake.work(workId)).toMatchObject({ status: 'complete', completed_number: 1, inError: true, errors: [{ message }], alive: true });
  });

  it('drops a part whose work was deleted, and records calls on unknown works', async () => {
    const id = newConnectorId();
    await register(id);
    const workId = fake.createWork(id);
    const deleted = await gql({ query: 'mutation deleteWork($id: ID!) { workEdit(id: $id) { delete } }', variables: { id: workId } });
    expect(deleted.json).toEqual({ data: { workEdit: { delete: workId } } });
    expect((await gql(fixtureBody('work', { id: workId }))).json).toEqual({ data: { work: null } });

    await publishPart(id, workId, [ipv4('192.0.2.77')]);
    const dropped = await fake.waitFor(() => fake.pushMessages.find((m) => m.workId === workId));
    expect(dropped).toMatchObject({ outcome: 'dropped', connectorId: id });
    expect(fake.partsFor(workId)).toEqual([]);
    await withChannel(async (ch) => {
      await expect(ch.checkQueue(`push_${id}`)).resolves.toMatchObject({ messageCount: 0 });
    });

    // toReceived on a missing work is a warning on the platform: answered with the id, recorded here.
    const late = await gql(fixtureBody('workEdit-toReceived', { id: workId }));
    expect(late.json).toEqual({ data: { workEdit: { toReceived: workId } } });
    expect(fake.unknownWorkCalls.filter((c) => c.workId === workId).map((c) => c.operation)).toEqual(['toReceived']);
    const ping = await gql(fixtureBody('workEdit-ping', { id: workId }));
    expect(ping.json.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
  });

  it('splits a multi-object bundle like the worker: the worker adds the expectations', async () => {
    const id = newConnectorId();
    await register(id);
    const workId = fake.createWork(id);
    await publishPart(id, workId, [ipv4('192.0.2.1'), ipv4('192.0.2.2'), ipv4('192.0.2.3')]);
    const work = await fake.waitForWork(workId, 'complete');
    expect(work).toMatchObject({ import_expected_number: 3, completed_number: 3 });
    expect(fake.partsFor(workId).map((p) => [p.fromSplit, p.bundle.objects.length])).toEqual([
      [true, 1],
      [true, 1],
      [true, 1],
    ]);
    expect(work.calls.filter((c) => c.operation === 'addExpectations').map((c) => [c.source, c.args.expectations])).toEqual([['worker', 3]]);
    expect(fake.expectationsAddedBeforeParts(workId)).toBe(false);
  });
  it('stixBundlePush (API push mode) creates a progress work with one expectation and publishes the unsplit bundle', async () => {
    const id = newConnectorId();
    await register(id);
    const bundle = { type: 'bundle', id: `bundle--${randomUUID()}`, spec_version: '2.1', objects: [ipv4('192.0.2.10')] };
    const pushed = await gql({
      query: 'mutation stixBundlePush($connectorId: String!, $bundle: String!, $work_id: String) { stixBundlePush(connectorId: $connectorId, bundle: $bundle, work_id: $work_id) }',
      variables: { connectorId: id, bundle: JSON.stringify(bundle), work_id: null },
    });
    expect(pushed.json).toEqual({ data: { stixBundlePush: true } });
    const message = await fake.waitFor(() => fake.pushMessages.find((m) => m.connectorId === id));
    expect(JSON.parse(message.body)).toMatchObject({ type: 'bundle', applicant_id: '3ec03d47-eb95-4f25-b3d1-08449668db47', update: true, work_id: message.workId });
    const work = await fake.waitForWork(message.workId ?? '', 'complete');
    expect(work).toMatchObject({ name: expect.stringMatching(/^ProofPoint ET Intelligence run @ /), completed_number: 1 });

    const invalid = await gql({ query: 'mutation P($c: String!, $b: String!) { stixBundlePush(connectorId: $c, bundle: $b) }', variables: { c: id, b: '{"type":"bundle","objects":[]}' } });
    expect(invalid.json.errors[0]).toMatchObject({ message: 'Invalid bundle', name: 'UNSUPPORTED_ERROR' });
  });
});

describe('fake OpenCTI: queue prefix', () => {
  it('prefixes every name with <prefix>_ when the platform has a queue prefix', async () => {
    const prefixed = await startFakeOpenCti({ token: TOKEN, queuePrefix: 'fakeprefix', simulateWorker: false, logger: createLogger({}, () => undefined) });
    const id = randomUUID();
    try {
      const res = await fetch(prefixed.graphqlUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(fixtureBody('registerConnector', { input: registrationInput(id) })),
      });
      const config = ((await res.json()) as Json).data.registerConnector.config;
      expect(config).toMatchObject({
        listen: `fakeprefix_listen_${id}`,
        listen_routing: `fakeprefix_listen_routing_${id}`,
        listen_exchange: 'fakeprefix_amqp.connector.exchange',
        push: `fakeprefix_push_${id}`,
        push_routing: `fakeprefix_push_routing_${id}`,
        push_exchange: 'fakeprefix_amqp.worker.exchange',
        dead_letter_routing: 'fakeprefix_listen_routing_too-large-bundle',
      });
      await withChannel(async (ch) => {
        await ch.checkQueue(`fakeprefix_listen_${id}`);
        await ch.checkQueue(`fakeprefix_push_${id}`);
      });
    } finally {
      await prefixed.close();
      await withChannel(async (ch) => {
        await ch.deleteQueue(`fakeprefix_listen_${id}`);
        await ch.deleteQueue(`fakeprefix_push_${id}`);
        await ch.deleteExchange('fakeprefix_amqp.connector.exchange');
        await ch.deleteExchange('fakeprefix_amqp.worker.exchange');
      });
    }
  });
});

describe('fake OpenCTI: triggers and playbooks', () => {
  it('publishRequest puts the exact bytes on listen_<id> with only deliveryMode 2, and registers the work', async () => {
    const id = newConnectorId();
    await register(id);
    const body = readMessage('manual-ipv4.json');
    await expect(fake.publishRequest(id, body)).resolves.toBe(FIXTURE_WORK_ID);
    const msg = await withChannel((ch) => ch.get(`listen_${id}`, { noAck: true }));
    expect(msg).not.toBe(false);
    if (msg === false) return;
    expect(msg.content.equals(body)).toBe(true);
    expect(msg.fields).toMatchObject({ exchange: 'amqp.connector.exchange', routingKey: `listen_routing_${id}` });
    expect(msg.properties.deliveryMode).toBe(2);
    expect(msg.properties.contentType).toBeUndefined();
    expect(msg.properties.contentEncoding).toBeUndefined();
    expect(msg.properties.headers ?? {}).toEqual({});
    expect(fake.work(FIXTURE_WORK_ID)).toMatchObject({
      status: 'wait',
      connector_id: id,
      name: 'Manual enrichment',
      timestamp: '2026-08-20T11:58:41.207Z',
      event_source_id: 'ipv4-addr--cec0294c-86c8-52cc-8448-ba43593736df',
      alive: true,
    });
  });

  it('publishRequest registers the work a malformed fixture names, so its closing can be asserted', async () => {
    const id = newConnectorId();
    await register(id);
    for (const name of ['malformed-not-json.txt', 'malformed-wrong-types.json']) {
      const body = readMessage(name);
      const workId = await fake.publishRequest(id, body);
      expect(workId, name).toMatch(/^work_f2de8084-/);
      expect(fake.work(workId ?? '')).toMatchObject({ status: 'wait', connector_id: id, alive: true });
      const msg = await withChannel((ch) => ch.get(`listen_${id}`, { noAck: true }));
      expect(msg !== false && msg.content.equals(body)).toBe(true);
    }
  });

  it('askEnrichment publishes a §3.2 message with a new work and a double-encoded stix_entity', async () => {
    const id = newConnectorId();
    await register(id);
    const entity = { id: 'domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7', spec_version: '2.1', type: 'domain-name', value: 'example.com' };
    const workId = await fake.askEnrichment(id, { entityId: entity.id, entityType: 'Domain-Name', stixEntity: entity }, 'auto');
    const msg = await withChannel((ch) => ch.get(`listen_${id}`, { noAck: true }));
    if (msg === false) throw new Error('no message on the listen queue');
    expect(JSON.parse(msg.content.toString('utf8'))).toEqual({
      internal: { work_id: workId, applicant_id: null, draft_id: null, trigger: 'create', mode: 'auto' },
      event: { event_type: 'INTERNAL_ENRICHMENT', entity_id: entity.id, entity_type: 'Domain-Name', stix_entity: JSON.stringify(entity), stix_objects: null },
    });
    expect(fake.work(workId)).toMatchObject({ status: 'wait', name: `Enrichment (${entity.id})`, event_source_id: entity.id, user_id: '88ec0c6a-13ce-5e39-b486-354fe4a7084f' });

    // The same through GraphQL (stixCoreObjectEdit.askEnrichment), as a UI click would do.
    const asked = await gql({ query: 'mutation Ask($id: ID!, $c: ID!) { stixCoreObjectEdit(id: $id) { askEnrichment(connectorId: $c) { id status name } } }', variables: { id: entity.id, c: id } });
    expect(asked.json.data.stixCoreObjectEdit.askEnrichment).toMatchObject({ status: 'wait', name: 'Manual enrichment' });
  });

  it('playbookStepExecution answers true for a playbook step it published, false for an unknown step', async () => {
    const id = newConnectorId();
    await register(id);
    const message = readMessage('playbook-ipv4.json');
    await expect(fake.publishRequest(id, message)).resolves.toBeNull();

    const request = fixtureBody('playbookStepExecution');
    const ok = await gql(request);
    expect(ok.json).toEqual(readGraphql('playbookStepExecution.response'));
    const execution = fake.playbookExecutions.at(-1);
    expect(execution?.args).toEqual(request.variables);
    expect(execution?.previousBundle).toEqual(JSON.parse(message.toString('utf8')).event.bundle);
    expect(execution?.bundle).toEqual(JSON.parse(request.variables?.bundle as string));
    expect(execution?.mergedBundle?.objects.length).toBeGreaterThan(0);

    const unknown = await gql(fixtureBody('playbookStepExecution', { step_id: randomUUID() }));
    expect(unknown.json).toEqual(readGraphql('playbookStepExecution.response.unknown-playbook-or-step'));
    expect(fake.playbookExecutions.at(-1)?.result).toBe(false);

    const badDate = await gql(fixtureBody('playbookStepExecution', { execution_start: 'yesterday' }));
    expect(badDate.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});
