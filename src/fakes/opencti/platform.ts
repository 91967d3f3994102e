/**
 * The fake platform's domain: connector, work and playbook stores plus their side effects on
 * the real broker (topology, purge, publishing), shared by the GraphQL resolvers and the admin
 * API of {@link ./server}. Behaviour follows the 6.9.17 platform code cited in each module.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../logger';
import type { FakeBroker } from './broker';
import { type CallHeaders, type ConnectorInfo, type ConnectorRecord, ConnectorStore, connectorScope, type RegisterConnectorInput } from './connectors';
import {
  buildEnrichmentMessage,
  buildPlaybookMessage,
  type EnrichmentEntity,
  type EnrichmentMode,
  enrichmentWorkName,
  type PlaybookBundle,
  type PlaybookStepIds,
  readRequestIds,
} from './messages';
import { PlaybookStore } from './playbooks';
import { type ConnectorQueueNames, connectorQueueNames, declareConnectorTopology, deleteConnectorQueues, purgeConnectorQueues } from './topology';
import { ListenForwarder } from './listen-forwarder';
import { WorkerSim } from './worker-sim';
import { type WorkRecord, WorkStore } from './works';

/** A platform user as `Creator` shows it. */
export interface FakeUser {
  id: string;
  name: string;
}

/** RabbitMQ settings returned in `config.connection`. */
export interface ConnectionSettings {
  host: string;
  vhost: string;
  use_ssl: boolean;
  port: number;
  user: string;
  pass: string;
}

/** Object-storage settings returned in `config.s3` (unused by enrichment). */
export interface S3Settings {
  endpoint: string;
  port: number;
  use_ssl: boolean;
  bucket_name: string;
  bucket_region: string;
  access_key: string;
  secret_key: string;
}

/** Fixed settings of one fake platform instance. */
export interface PlatformSettings {
  version: string;
  connection: ConnectionSettings;
  s3: S3Settings;
  queuePrefix: string | undefined;
  queueType: string;
  /** The user behind the configured token (the connector's service user). */
  connectorUser: FakeUser;
  /** The user who "clicks" in the fake's own triggers (`askEnrichment`, `createWork`). */
  adminUser: FakeUser;
  /** The connector user's token: what the worker sends to a `listen_callback_uri` (API listen mode). */
  connectorToken: string;
}

/** Options of {@link FakePlatform.askEnrichment}. */
export interface AskEnrichmentOptions {
  /** Auto mode only: `create` (default) or `update`. */
  trigger?: 'create' | 'update';
  draftId?: string | null;
  /** The requesting user; default the admin user. */
  user?: FakeUser;
}

/** Result of a trigger: the work created and the exact body published. */
export interface PublishedRequest {
  workId: string | null;
  body: Buffer;
}

/** Result of {@link FakePlatform.askPlaybookEnrichment}. */
export interface PublishedPlaybookRequest extends PlaybookStepIds {
  body: Buffer;
}

/** The domain core of the fake platform. */
export class FakePlatform {
  readonly connectors: ConnectorStore;
  readonly works: WorkStore;
  readonly playbooks: PlaybookStore;
  readonly worker: WorkerSim | null;
  /** API listen mode: forwards listen-queue messages to the connectors' callback URIs. */
  readonly forwarder: ListenForwarder | null;
  /** Entities `stixCoreObjectEdit(id).askEnrichment` can find, by standard id and internal id. */
  readonly entities = new Map<string, EnrichmentEntity>();
  private readonly users = new Map<string, FakeUser>();

  constructor(
    readonly settings: PlatformSettings,
    private readonly broker: FakeBroker,
    readonly now: () => Date,
    private readonly logger: Logger,
    simulateWorker: boolean,
  ) {
    this.connectors = new ConnectorStore(now);
    this.works = new WorkStore(now);
    this.playbooks = new PlaybookStore(now);
    this.worker = simulateWorker ? new WorkerSim(broker, this.works, now, logger) : null;
    this.forwarder = simulateWorker ? new ListenForwarder(broker, settings.connectorToken, now, logger) : null;
    for (const user of [settings.adminUser, settings.connectorUser]) this.users.set(user.id, user);
  }

  /** A user by id (work `user`, connector `connector_user`). */
  user(id: string): FakeUser | undefined {
    return this.users.get(id);
  }

  /** Queue names for a connector id. */
  names(connectorId: string): ConnectorQueueNames {
    return connectorQueueNames(connectorId, this.settings.queuePrefix);
  }

  /** `registerConnector`: declares the topology (first, like the platform), upserts, starts the worker. */
  async registerConnector(input: RegisterConnectorInput, user: FakeUser, headers: CallHeaders): Promise<ConnectorRecord> {
    await this.declareTopology(input.id, input.name, input.type, input.scope);
    const record = this.connectors.register(input, user.id, headers);
    await this.startWorker(record.id);
    this.logger.info('fake OpenCTI registered a connector', { connectorId: record.id, name: record.name });
    return record;
  }

  /** `pingConnector` on a known connector: re-declares the topology, then stores the heartbeat. */
  async pingConnector(record: ConnectorRecord, state: string | null | undefined, info: ConnectorInfo | null | undefined, headers: CallHeaders): Promise<ConnectorRecord> {
    await this.declareTopology(record.id, record.name, record.connector_type, connectorScope(record));
    this.connectors.ping(record, state, info, headers);
    await this.startWorker(record.id);
    return record;
  }

  /** `resetStateConnector`: state "" + reset flag, then both queues purged. */
  async resetState(connectorId: string): Promise<ConnectorRecord> {
    const record = this.requireConnector(connectorId);
    this.connectors.resetState(record);
    await this.broker.withChannel((channel) => purgeConnectorQueues(channel, connectorId, this.settings.queuePrefix));
    return record;
  }

  /** Connector deletion (Data > Ingestion > Connectors > delete): both queues go with it. */
  async deleteConnector(connectorId: string): Promise<void> {
    await this.broker.withChannel((channel) => deleteConnectorQueues(channel, connectorId, this.settings.queuePrefix));
  }

  /** Creates a `wait` work for a registered connector, as the platform does before publishing. */
  createWork(connectorId: string, options: { name?: string; sourceId?: string | null; user?: FakeUser; draftContext?: string | null; id?: string; timestamp?: string } = {}): WorkRecord {
    const connector = this.requireConnector(connectorId);
    return this.works.create({
      connectorId,
      connectorType: connector.connector_type,
      name: options.name ?? 'Manual enrichment',
      sourceId: options.sourceId ?? null,
      userId: (options.user ?? this.settings.adminUser).id,
      draftContext: options.draftContext ?? null,
      ...(options.id ? { id: options.id } : {}),
      ...(options.timestamp ? { timestamp: options.timestamp } : {}),
    });
  }

  /**
   * Publishes `body` unchanged to the connector's listen queue (§2.5). When the body carries an
   * unknown `internal.work_id` it becomes a `wait` work first (as the platform creates the work
   * before publishing), and a playbook message registers its playbook and step ids, so fixture
   * messages with fixed ids work end to end.
   */
  async publishRequest(connectorId: string, body: Buffer | string): Promise<PublishedRequest> {
    this.requireConnector(connectorId);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const ids = readRequestIds(bytes);
    if (ids.workId && !this.works.records.has(ids.workId)) {
      const mode: EnrichmentMode = ids.mode === 'auto' ? 'auto' : 'manual';
      this.createWork(connectorId, {
        id: ids.workId,
        name: enrichmentWorkName(mode, ids.entityId, ids.draftId),
        sourceId: ids.entityId,
        draftContext: ids.draftId,
        ...timestampOf(ids.workId),
      });
    }
    if (ids.playbook) this.playbooks.register(ids.playbook.playbookId, [ids.playbook.previousStepId, ids.playbook.stepId]);
    await this.publishToListen(connectorId, bytes);
    return { workId: ids.workId, body: bytes };
  }

  /** Manual or automatic enrichment of `entity` (§3.2): creates the work, publishes the message. */
  async askEnrichment(connectorId: string, entity: EnrichmentEntity, mode: EnrichmentMode, options: AskEnrichmentOptions = {}): Promise<PublishedRequest & { workId: string }> {
    const connector = this.requireConnector(connectorId);
    this.addEntity(entity);
    const draftId = options.draftId ?? null;
    const work = this.createWork(connectorId, {
      name: enrichmentWorkName(mode, entity.entityId, draftId),
      sourceId: entity.entityId,
      draftContext: draftId,
      ...(options.user ? { user: options.user } : {}),
    });
    const message = buildEnrichmentMessage({
      workId: work.id,
      mode,
      draftId,
      entity,
      enrichmentResolution: connector.enrichment_resolution,
      ...(options.trigger ? { trigger: options.trigger } : {}),
    });
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    await this.publishToListen(connectorId, body);
    return { workId: work.id, body };
  }

  /** Playbook step "Enrich through connector" (§3.5): registers the playbook and its two steps, publishes. */
  async askPlaybookEnrichment(connectorId: string, bundle: PlaybookBundle, entityId: string, ids: Partial<Omit<PlaybookStepIds, 'dataInstanceId'>> = {}): Promise<PublishedPlaybookRequest> {
    this.requireConnector(connectorId);
    const stepIds: PlaybookStepIds = {
      eventId: ids.eventId ?? `${this.now().getTime()}-0`,
      executionId: ids.executionId ?? randomUUID(),
      playbookId: ids.playbookId ?? randomUUID(),
      dataInstanceId: entityId,
      stepId: ids.stepId ?? randomUUID(),
      previousStepId: ids.previousStepId ?? randomUUID(),
    };
    this.playbooks.register(stepIds.playbookId, [stepIds.previousStepId, stepIds.stepId]);
    const body = Buffer.from(JSON.stringify(buildPlaybookMessage(stepIds, bundle)), 'utf8');
    await this.publishToListen(connectorId, body);
    return { ...stepIds, body };
  }

  /** Makes an entity known to `stixCoreObjectEdit(id)` (by standard id and OpenCTI internal id). */
  addEntity(entity: EnrichmentEntity): void {
    this.entities.set(entity.entityId, entity);
    const internalId = internalIdOf(entity.stixEntity);
    if (internalId) this.entities.set(internalId, entity);
  }

  /**
   * `stixBundlePush` (§4.6): validates, creates a `progress` work when none is given (adding one
   * expectation for a one-object bundle) and publishes the unsplit bundle to the push queue.
   */
  async stixBundlePush(connectorId: string, bundleText: string, workId: string | null | undefined, user: FakeUser): Promise<void> {
    const bundle = JSON.parse(bundleText) as { type?: unknown; objects?: unknown };
    if (bundle.type !== 'bundle' || !Array.isArray(bundle.objects) || bundle.objects.length === 0) throw new Error('Invalid stix bundle');
    const connector = this.connectors.get(connectorId);
    if (!connector) throw new Error('Invalid connector');
    let targetWorkId = workId;
    if (targetWorkId === null || targetWorkId === undefined || targetWorkId === '') {
      const at = this.now().toISOString();
      const work = this.works.create({
        connectorId,
        connectorType: connector.connector_type,
        name: `${connector.name} run @ ${at}`,
        sourceId: connectorId,
        userId: user.id,
        receivedTime: at,
      });
      targetWorkId = work.id;
      if (bundle.objects.length === 1) this.works.addExpectations(targetWorkId, 1, 'platform');
    }
    const message = { type: 'bundle', applicant_id: user.id, content: Buffer.from(bundleText, 'utf8').toString('base64'), work_id: targetWorkId, update: true };
    const names = this.names(connectorId);
    await this.broker.publish(names.push_exchange, names.push_routing, Buffer.from(JSON.stringify(message), 'utf8'), { deliveryMode: 2 });
  }

  /** Number of messages and bytes waiting in the push queue (`connector_queue_details`). */
  async queueDetails(connectorId: string): Promise<{ messages_number: number; messages_size: number }> {
    try {
      const reply = await this.broker.withChannel((channel) => channel.checkQueue(this.names(connectorId).push));
      // AMQP gives no byte size (the platform reads it from the management API).
      return { messages_number: reply.messageCount, messages_size: 0 };
    } catch {
      return { messages_number: 0, messages_size: 0 };
    }
  }

  /** Stops the worker simulation. */
  async stop(): Promise<void> {
    await this.forwarder?.stop();
    await this.worker?.stop();
  }

  private requireConnector(connectorId: string): ConnectorRecord {
    const record = this.connectors.get(connectorId);
    if (!record) throw new Error(`Fake OpenCTI: connector ${connectorId} is not registered`);
    return record;
  }

  private async declareTopology(connectorId: string, name: string, type: string, scope: readonly string[] | null | undefined): Promise<void> {
    await this.broker.withChannel((channel) =>
      declareConnectorTopology(channel, { connectorId, name, type, scope, queueType: this.settings.queueType }, this.settings.queuePrefix),
    );
  }

  private async startWorker(connectorId: string): Promise<void> {
    await this.worker?.ensureConsumer(connectorId, this.names(connectorId).push);
    const callback = this.connectors.get(connectorId)?.listen_callback_uri;
    if (callback) await this.forwarder?.ensure(connectorId, this.names(connectorId).listen, callback);
  }

  private async publishToListen(connectorId: string, body: Buffer): Promise<void> {
    const names = this.names(connectorId);
    // Exactly the platform's properties: persistent, nothing else (§2.5).
    await this.broker.publish(names.listen_exchange, names.listen_routing, body, { deliveryMode: 2 });
  }
}

const OPENCTI_EXTENSION = 'extension-definition--ea279b3e-5c71-4632-ac08-831c66a786ba';

function internalIdOf(stixEntity: object): string | null {
  const extensions = (stixEntity as { extensions?: Record<string, { id?: unknown } | undefined> }).extensions;
  const id = extensions?.[OPENCTI_EXTENSION]?.id;
  return typeof id === 'string' && id !== '' ? id : null;
}

/** The creation time embedded in a `work_<connector>_<ISO>` id, when there is one. */
function timestampOf(workId: string): { timestamp?: string } {
  const match = /_(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)$/.exec(workId);
  return match?.[1] ? { timestamp: match[1] } : {};
}
