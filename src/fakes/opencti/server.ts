/**
 * A faithful fake of the OpenCTI 6.9.17 platform for tests and the demo: GraphQL over HTTP
 * (`POST /graphql`) for the connector-facing operations (protocol §6.1), the real RabbitMQ
 * topology on a real broker, a simulated worker on the push queues, and an admin/inspection API.
 *
 * @example
 * const fake = await startFakeOpenCti({ token: 'secret' });
 * // connector registers through `${fake.url}/graphql` ...
 * const { workId } = await fake.askEnrichment(connectorId, entity, 'manual');
 * await fake.waitForWork(workId, 'complete', 10_000);
 * await fake.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { readBody } from '../../http/read-body';
import { createLogger, type Logger, registerSecret } from '../../logger';
import { FakeBroker } from './broker';
import type { CallHeaders, ConnectorRecord } from './connectors';
import { expectationsAddedBeforeParts, pollUntil, workSnapshot, type WorkSnapshot } from './inspect';
import type { EnrichmentEntity, EnrichmentMode, PlaybookBundle, PlaybookStepIds } from './messages';
import type { PlaybookExecution } from './playbooks';
import type { CallbackDelivery } from './listen-forwarder';
import type { StixObject } from '../../shared/types';
import { type AskEnrichmentOptions, FakePlatform, type PublishedPlaybookRequest } from './platform';
import { createRootValue, type RequestContext } from './resolvers';
import { runGraphqlRequest } from './graphql-http';
import { createFakeOpenCtiSchema } from './schema';
import { type ImportErrorHook, type PushMessageRecord, type ReceivedPart, unionOfParts } from './worker-sim';
import type { UnknownWorkCall, WorkRecord } from './works';

/** Options of {@link startFakeOpenCti}. */
export interface FakeOpenCtiOptions {
  /** HTTP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** The only accepted API token (`Authorization: Bearer <token>`). Never logged. */
  token: string;
  /** Broker the fake declares on and publishes to. @default 'amqp://guest:guest@127.0.0.1:5672' */
  amqpUrl?: string;
  /** `config.connection.host` returned to connectors. @default the host of `amqpUrl` */
  brokerHost?: string;
  /** `config.connection.port`. @default the port of `amqpUrl` (5672) */
  brokerPort?: number;
  /**
   * `config.connection.vhost`; also the vhost the fake connects to when `amqpUrl` names none.
   * @default the vhost of `amqpUrl` ('/')
   */
  vhost?: string;
  /** Platform version answered by `about`. @default '6.9.17' */
  version?: string;
  /** Id of the token's user (returned as `connector_user_id`). */
  connectorUserId?: string;
  /** Name of the token's user. @default '[C] connector' */
  connectorUserName?: string;
  /** The platform's `rabbitmq:queue_prefix` (names then start with `<prefix>_`). @default none */
  queuePrefix?: string;
  /** The platform's `rabbitmq:queue_type`. @default 'classic' */
  queueType?: string;
  /** Consume push queues like the worker. @default true */
  simulateWorker?: boolean;
  logger?: Logger;
  /** Clock for every timestamp the fake writes. @default () => new Date() */
  now?: () => Date;
}

/** One GraphQL request as the fake saw it (the token is never recorded). */
export interface GraphqlCall {
  at: string;
  status: number;
  authenticated: boolean;
  operationName: string | null;
  operationType: string | null;
  rootFields: string[];
  variables: Record<string, unknown>;
  headers: CallHeaders;
  errors: Array<{ message: string; code: string | undefined }>;
}

/** The running fake: GraphQL endpoint, triggers, and inspection. */
export interface FakeOpenCti {
  /** Base URL (`OPENCTI_URL`); GraphQL is at `${url}/graphql`. */
  readonly url: string;
  readonly graphqlUrl: string;
  /** Registered connectors by id: registration inputs, state, pings, resets. */
  readonly connectors: ReadonlyMap<string, ConnectorRecord>;
  /** Every work ever created, by id (deleted ones included, flagged `deletedAt`). */
  readonly works: ReadonlyMap<string, WorkRecord>;
  /** `workEdit` calls on ids without a work (warnings only on the platform). */
  readonly unknownWorkCalls: readonly UnknownWorkCall[];
  /** Every GraphQL request, in order. */
  readonly graphqlCalls: readonly GraphqlCall[];
  /** Every `playbookStepExecution` call, in order. */
  readonly playbookExecutions: readonly PlaybookExecution[];
  /** Every message the worker simulation consumed from a push queue. */
  readonly pushMessages: readonly PushMessageRecord[];
  /** Every part the worker simulation imported. */
  readonly parts: readonly ReceivedPart[];
  /** API listen mode: every POST the fake worker made to a connector's `listen_callback_uri`. */
  readonly callbackDeliveries: readonly CallbackDelivery[];

  /** Snapshot of a work (document, tracking, transitions, calls), undefined if never created. */
  work(id: string): WorkSnapshot | undefined;
  /** `isWorkAlive`. */
  isWorkAlive(id: string): boolean;
  /** Parts imported for a work, in arrival order. */
  partsFor(workId: string): ReceivedPart[];
  /** Union of the objects imported for a work, by id (last wins), without `nb_deps` / `x_opencti_seq`. */
  bundleFor(workId: string): StixObject[];
  /** True when the connector added expectations before its first part arrived (see inspect.ts). */
  expectationsAddedBeforeParts(workId: string): boolean;
  /** Resolves with the work's snapshot once `until` holds ('complete': status complete). */
  waitForWork(id: string, until: 'complete' | ((work: WorkSnapshot) => boolean), timeoutMs?: number): Promise<WorkSnapshot>;
  /** Resolves with the first truthy value of `probe`, polled every 20 ms. */
  waitFor<T>(probe: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;

  /** Creates a `wait` work for a registered connector; returns `work_<id>_<ISO ms>`. */
  createWork(connectorId: string, options?: { name?: string }): string;
  /**
   * Publishes `body` unchanged to `listen_<id>` (persistent, no other property). An unknown
   * `internal.work_id` in it becomes a `wait` work and a playbook message registers its
   * playbook/step ids. Resolves with the body's work id (null when none) once confirmed.
   */
  publishRequest(connectorId: string, body: Buffer | string): Promise<string | null>;
  /** Creates a work and publishes a §3.2 enrichment request for `entity`; resolves with the work id. */
  askEnrichment(connectorId: string, entity: EnrichmentEntity, mode: EnrichmentMode, options?: AskEnrichmentOptions): Promise<string>;
  /** Registers a playbook step and publishes a §3.5 request carrying `bundle`. */
  askPlaybookEnrichment(connectorId: string, bundle: PlaybookBundle, entityId: string, ids?: Partial<Omit<PlaybookStepIds, 'dataInstanceId'>>): Promise<PublishedPlaybookRequest>;
  /** Declares a playbook and its step ids so `playbookStepExecution` answers true for them. */
  registerPlaybook(playbookId: string, stepIds: readonly string[]): void;
  /** Makes an entity known to `stixCoreObjectEdit(id) { askEnrichment }`. */
  addEntity(entity: EnrichmentEntity): void;
  /** Deletes the connector's two queues, as deleting a connector in the platform does (demo and test clean-up). */
  deleteConnector(connectorId: string): Promise<void>;
  /** Admin "reset state": purges both queues, state "" and reset flag until the next ping. */
  resetState(connectorId: string): Promise<void>;
  /** Makes the worker simulation report import errors for the objects the hook picks. */
  setImportErrorHook(hook: ImportErrorHook | null): void;
  /** Closes the HTTP server and the AMQP connection (queues and messages are kept). */
  close(): Promise<void>;
}

const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
const DEFAULT_CONNECTOR_USER_ID = '3ec03d47-eb95-4f25-b3d1-08449668db47';
/** The platform's default `app:max_payload_body_size` (50mb). */
const MAX_BODY_BYTES = 50 * 1024 * 1024;
/** The platform's default admin user id. */
const ADMIN_USER_ID = '88ec0c6a-13ce-5e39-b486-354fe4a7084f';

const optionsSchema = z.object({
  port: z.number().int().min(0).max(65535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  token: z.string().min(1),
  amqpUrl: z.string().min(1).default(DEFAULT_AMQP_URL),
  brokerHost: z.string().min(1).optional(),
  brokerPort: z.number().int().min(1).max(65535).optional(),
  vhost: z.string().min(1).optional(),
  version: z.string().min(1).default('6.9.17'),
  connectorUserId: z.string().min(1).default(DEFAULT_CONNECTOR_USER_ID),
  connectorUserName: z.string().min(1).default('[C] connector'),
  queuePrefix: z.string().optional(),
  queueType: z.string().min(1).default('classic'),
  simulateWorker: z.boolean().default(true),
});

/** Starts the fake platform. */
export async function startFakeOpenCti(options: FakeOpenCtiOptions): Promise<FakeOpenCti> {
  const { logger: givenLogger, now: givenNow, ...plain } = options;
  const opts = optionsSchema.parse(plain);
  registerSecret(opts.token);
  const logger = (givenLogger ?? createLogger()).child({ component: 'fake-opencti' });
  const now = givenNow ?? (() => new Date());
  const amqp = new URL(opts.amqpUrl);
  const urlVhost = amqp.pathname.length > 1 ? decodeURIComponent(amqp.pathname.slice(1)) : undefined;
  const vhost = opts.vhost ?? urlVhost ?? '/';
  // Declare where connectors are told to look: a `vhost` option applies when the URL names none.
  if (!urlVhost && vhost !== '/') amqp.pathname = `/${encodeURIComponent(vhost)}`;
  const broker = await FakeBroker.connect(amqp.toString(), logger);

  const platform = new FakePlatform(
    {
      version: opts.version,
      connection: {
        host: opts.brokerHost ?? amqp.hostname,
        vhost,
        use_ssl: amqp.protocol === 'amqps:',
        port: opts.brokerPort ?? (amqp.port ? Number(amqp.port) : 5672),
        user: decodeURIComponent(amqp.username) || 'guest',
        pass: decodeURIComponent(amqp.password) || 'guest',
      },
      s3: { endpoint: 'localhost', port: 9000, use_ssl: false, bucket_name: 'opencti-bucket', bucket_region: 'us-east-1', access_key: 'fake-access-key', secret_key: 'fake-secret-key' },
      queuePrefix: opts.queuePrefix || undefined,
      queueType: opts.queueType,
      connectorUser: { id: opts.connectorUserId, name: opts.connectorUserName },
      adminUser: { id: ADMIN_USER_ID, name: 'admin' },
      connectorToken: opts.token,
    },
    broker,
    now,
    logger,
    opts.simulateWorker,
  );

  const schema = createFakeOpenCtiSchema(opts.version);
  const rootValue = createRootValue(platform);
  const graphqlCalls: GraphqlCall[] = [];
  const expectedAuthorization = `Bearer ${opts.token}`;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/graphql') return send(res, 404, { errors: [{ message: 'Not found' }] });
    if (req.method !== 'POST') return send(res, 405, { errors: [{ message: 'Only POST is supported by the fake' }] });
    const headers = callHeaders(req);
    const authenticated = req.headers.authorization === expectedAuthorization;
    const context: RequestContext = { user: authenticated ? platform.settings.connectorUser : null, headers };
    const text = await readBodyText(req, MAX_BODY_BYTES);
    if (text === null) return send(res, 413, { errors: [{ message: 'request entity too large' }] });
    // express.json() parses only JSON bodies; Apollo then sees no body and answers 400.
    const isJson = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
    let body: unknown;
    try {
      body = isJson ? JSON.parse(text) : undefined;
    } catch {
      return send(res, 400, { errors: [{ message: 'Invalid JSON body', extensions: { code: 'BAD_REQUEST' } }] });
    }
    const result = await runGraphqlRequest({ schema, body, rootValue, contextValue: context });
    const errors = (result.body.errors ?? []).map((e) => ({ message: e.message, code: e.extensions?.code as string | undefined }));
    graphqlCalls.push({
      at: now().toISOString(),
      status: result.status,
      authenticated,
      operationName: result.operationName,
      operationType: result.operationType,
      rootFields: result.rootFields,
      variables: structuredClone(result.variables),
      headers,
      errors,
    });
    logger.debug('fake OpenCTI GraphQL call', { operation: result.operationName, fields: result.rootFields, status: result.status, errors: errors.length });
    send(res, result.status, result.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error('fake OpenCTI request failed', { err });
      if (!res.headersSent) send(res, 500, { errors: [{ message: 'Internal fake error' }] });
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, () => resolve());
    });
  } catch (err) {
    await broker.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${address.port}`;
  logger.info('fake OpenCTI started', { url, version: opts.version, simulateWorker: opts.simulateWorker });

  const partsFor = (workId: string) => (platform.worker?.parts ?? []).filter((p) => p.workId === workId);
  let closed = false;

  return {
    url,
    graphqlUrl: `${url}/graphql`,
    connectors: platform.connectors.records,
    works: platform.works.records,
    unknownWorkCalls: platform.works.unknownWorkCalls,
    graphqlCalls,
    playbookExecutions: platform.playbooks.executions,
    pushMessages: platform.worker?.pushMessages ?? [],
    parts: platform.worker?.parts ?? [],
    callbackDeliveries: platform.forwarder?.deliveries ?? [],

    work: (id) => workSnapshot(platform.works, id),
    isWorkAlive: (id) => platform.works.isAlive(id),
    partsFor,
    bundleFor: (workId) => unionOfParts(partsFor(workId)),
    expectationsAddedBeforeParts: (workId) => expectationsAddedBeforeParts(platform.works.records.get(workId), platform.worker?.parts ?? []),
    waitForWork: (id, until, timeoutMs = 10_000) => {
      const done = until === 'complete' ? (w: WorkSnapshot) => w.status === 'complete' : until;
      return pollUntil(
        () => {
          const snapshot = workSnapshot(platform.works, id);
          return snapshot && done(snapshot) ? snapshot : undefined;
        },
        timeoutMs,
        () => `work ${id} (now: ${JSON.stringify(summary(workSnapshot(platform.works, id)))})`,
      );
    },
    waitFor: (probe, timeoutMs = 10_000) => pollUntil(probe, timeoutMs, () => 'a condition'),

    createWork: (connectorId, options = {}) => platform.createWork(connectorId, options.name ? { name: options.name } : {}).id,
    publishRequest: async (connectorId, body) => (await platform.publishRequest(connectorId, body)).workId,
    askEnrichment: async (connectorId, entity, mode, askOptions) => (await platform.askEnrichment(connectorId, entity, mode, askOptions)).workId,
    askPlaybookEnrichment: (connectorId, bundle, entityId, ids) => platform.askPlaybookEnrichment(connectorId, bundle, entityId, ids),
    registerPlaybook: (playbookId, stepIds) => platform.playbooks.register(playbookId, stepIds),
    addEntity: (entity) => platform.addEntity(entity),
    deleteConnector: (connectorId) => platform.deleteConnector(connectorId),
    resetState: async (connectorId) => {
      await platform.resetState(connectorId);
    },
    setImportErrorHook: (hook) => platform.worker?.setImportErrorHook(hook),
    close: async () => {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await platform.stop();
      await broker.close();
      logger.info('fake OpenCTI stopped', { url });
    },
  };
}

function callHeaders(req: IncomingMessage): CallHeaders {
  const one = (name: string): string | undefined => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return { userAgent: one('user-agent') ?? null, draftId: one('opencti-draft-id'), applicantId: one('opencti-applicant-id') };
}

/** The body text, or null when it exceeds `limit` bytes. */
async function readBodyText(req: IncomingMessage, limit: number): Promise<string | null> {
  return (await readBody(req, limit))?.toString('utf8') ?? null;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function summary(work: WorkSnapshot | undefined) {
  if (!work) return null;
  return { status: work.status, alive: work.alive, deleted: work.deleted, expected: work.import_expected_number, tracking: work.tracking };
}
