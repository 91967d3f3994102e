/**
 * Root resolvers of the fake schema (graphql-js root-value style: each root field is a function
 * of `(args, context)`; nested objects carry their own field functions). Every root field is
 * `@auth` on the platform, so each one first requires an authenticated user.
 */
import type { CallHeaders, ConnectorInfo, ConnectorRecord, RegisterConnectorInput } from './connectors';
import { connectorScope, isConnectorActive } from './connectors';
import { authRequired, functionalError, unsupportedError } from './graphql-errors';
import type { PlaybookStepExecutionArgs } from './playbooks';
import type { FakePlatform, FakeUser } from './platform';
import type { WorkDocument } from './works';

/** Per-request context built by the HTTP layer. */
export interface RequestContext {
  /** Null when the bearer token is missing or wrong. */
  user: FakeUser | null;
  headers: CallHeaders;
}

function requireUser(context: RequestContext): FakeUser {
  if (!context.user) throw authRequired();
  return context.user;
}

const creator = (user: FakeUser | undefined) => (user ? { id: user.id, name: user.name, entity_type: 'User' } : null);

/** The root value for `execute`. */
export function createRootValue(platform: FakePlatform): Record<string, unknown> {
  const connectorView = (record: ConnectorRecord | undefined) => (record ? toConnectorView(platform, record) : null);

  return {
    // Query
    about: (_: unknown, ctx: RequestContext) => {
      requireUser(ctx);
      return { version: platform.settings.version };
    },
    connector: ({ id }: { id: string }, ctx: RequestContext) => {
      requireUser(ctx);
      return connectorView(platform.connectors.get(id));
    },
    connectors: (_: unknown, ctx: RequestContext) => {
      requireUser(ctx);
      return [...platform.connectors.records.values()].map((r) => toConnectorView(platform, r));
    },
    work: ({ id }: { id: string }, ctx: RequestContext) => {
      requireUser(ctx);
      const document = platform.works.document(id);
      return document ? toWorkView(platform, document) : null;
    },
    isWorkAlive: ({ id }: { id: string }, ctx: RequestContext) => {
      requireUser(ctx);
      return platform.works.isAlive(id);
    },

    // Mutation
    registerConnector: async ({ input }: { input?: RegisterConnectorInput | null }, ctx: RequestContext) => {
      const user = requireUser(ctx);
      // `input` is nullable in the SDL; the platform then fails reading its fields.
      if (!input) throw new TypeError("Cannot destructure property 'id' of 'connectorData' as it is null.");
      return toConnectorView(platform, await platform.registerConnector(input, user, ctx.headers));
    },
    pingConnector: async ({ id, state, connectorInfo }: { id: string; state?: string | null; connectorInfo?: ConnectorInfo | null }, ctx: RequestContext) => {
      requireUser(ctx);
      const record = platform.connectors.get(id);
      if (!record) throw functionalError('No connector found with the specified ID', { id });
      return toConnectorView(platform, await platform.pingConnector(record, state, connectorInfo, ctx.headers));
    },
    resetStateConnector: async ({ id }: { id: string }, ctx: RequestContext) => {
      requireUser(ctx);
      if (!platform.connectors.get(id)) throw functionalError('Cannot find connector', { id });
      return toConnectorView(platform, await platform.resetState(id));
    },
    workEdit: ({ id }: { id: string }, ctx: RequestContext) => {
      requireUser(ctx);
      const works = platform.works;
      return {
        delete: () => works.delete(id, 'graphql'),
        ping: () => works.ping(id, 'graphql'),
        reportExpectation: ({ error }: { error?: { error?: string | null; source?: string | null } | null }) => works.reportExpectation(id, error, 'graphql'),
        addExpectations: ({ expectations }: { expectations?: number | null }) => works.addExpectations(id, expectations, 'graphql'),
        addDraftContext: ({ draftContext }: { draftContext?: string | null }) => works.addDraftContext(id, draftContext, 'graphql'),
        toReceived: ({ message }: { message?: string | null }) => works.toReceived(id, message, 'graphql'),
        toProcessed: ({ message, inError }: { message?: string | null; inError?: boolean | null }) => works.toProcessed(id, message, inError, 'graphql'),
      };
    },
    stixBundlePush: async ({ connectorId, bundle, work_id }: { connectorId: string; bundle: string; work_id?: string | null }, ctx: RequestContext) => {
      const user = requireUser(ctx);
      try {
        await platform.stixBundlePush(connectorId, bundle, work_id, user);
        return true;
      } catch {
        throw unsupportedError('Invalid bundle');
      }
    },
    stixCoreObjectEdit: ({ id }: { id: string }, ctx: RequestContext) => {
      const user = requireUser(ctx);
      const ask = async (connectorIds: readonly string[]) => {
        const known = connectorIds.filter((c) => platform.connectors.get(c));
        const entity = platform.entities.get(id);
        if (!entity) throw functionalError('Cannot enrich the object, element cannot be found.', { enrichedId: id });
        const works = [];
        for (const connectorId of known) {
          const { workId } = await platform.askEnrichment(connectorId, entity, 'manual', { user });
          const document = platform.works.document(workId);
          if (document) works.push(toWorkView(platform, document));
        }
        return works;
      };
      return {
        askEnrichment: async ({ connectorId }: { connectorId: string }) => (await ask([connectorId]))[0] ?? null,
        askEnrichments: ({ connectorIds }: { connectorIds: string[] }) => ask(connectorIds),
      };
    },
    playbookStepExecution: (args: PlaybookStepExecutionArgs, ctx: RequestContext) => {
      requireUser(ctx);
      return platform.playbooks.execute(args);
    },
  };
}

/** The `Connector` object as `completeConnector` shapes it. */
function toConnectorView(platform: FakePlatform, record: ConnectorRecord) {
  const names = platform.names(record.id);
  return {
    id: record.id,
    standard_id: `connector--${record.id}`,
    entity_type: 'Connector',
    parent_types: ['Basic-Object', 'Internal-Object'],
    name: record.name,
    title: record.name,
    active: isConnectorActive(record, platform.now()),
    auto: record.auto,
    auto_update: record.auto_update,
    enrichment_resolution: record.enrichment_resolution,
    only_contextual: record.only_contextual,
    playbook_compatible: record.playbook_compatible,
    connector_trigger_filters: null,
    connector_type: record.connector_type,
    connector_scope: connectorScope(record),
    connector_state: record.connector_state,
    connector_state_reset: record.connector_state_reset,
    connector_state_timestamp: record.connector_state_timestamp,
    connector_user_id: record.connector_user_id,
    connector_user: () => creator(platform.user(record.connector_user_id)),
    connector_queue_details: () => platform.queueDetails(record.id),
    connector_info: record.connector_info,
    connector_priority_group: 'DEFAULT',
    updated_at: record.updated_at,
    created_at: record.created_at,
    config: {
      connection: platform.settings.connection,
      s3: platform.settings.s3,
      ...names,
      listen_callback_uri: record.listen_callback_uri,
    },
    works: ({ status }: { status?: string | null }) =>
      [...platform.works.records.values()]
        .flatMap((w) => (w.connectorId === record.id && !w.deletedAt && (!status || w.document.status === status) ? [toWorkView(platform, w.document)] : []))
        .reverse(),
    is_managed: false,
    built_in: record.built_in,
  };
}

/** The `Work` object, with `tracking` computed like `computeWorkStatus`. */
function toWorkView(platform: FakePlatform, document: WorkDocument) {
  const hash = platform.works.trackingHash(document.id);
  const tracking =
    document.status === 'complete'
      ? { import_processed_number: document.completed_number, import_expected_number: document.import_expected_number, import_last_processed: null }
      : {
          import_processed_number: hash?.import_processed_number ?? null,
          import_expected_number: hash?.import_expected_number ?? null,
          import_last_processed: hash?.import_last_processed ?? null,
        };
  return {
    ...document,
    messages: document.messages.map((m) => ({ ...m })),
    errors: document.errors.map((m) => ({ ...m })),
    user: () => creator(platform.user(document.user_id)),
    connector: () => {
      const record = platform.connectors.get(document.connector_id);
      return record ? toConnectorView(platform, record) : null;
    },
    tracking,
  };
}
