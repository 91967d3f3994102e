/**
 * Connector records of the fake platform: registration upsert, heartbeat and state reset, as
 * `domain/connector.ts` (`registerConnector`, `pingConnector`, `updateConnectorWithConnectorInfo`,
 * `resetStateConnector`) and `database/repository.js` (`completeConnector`) do in 6.9.17.
 * Side effects on the broker live in the resolvers; this module only keeps the records.
 */

/** `RegisterConnectorInput` as received (after GraphQL coercion). */
export interface RegisterConnectorInput {
  id: string;
  name: string;
  type: string;
  scope?: string[] | null;
  auto?: boolean | null;
  auto_update?: boolean | null;
  enrichment_resolution?: string | null;
  only_contextual?: boolean | null;
  playbook_compatible?: boolean | null;
  listen_callback_uri?: string | null;
}

/** `ConnectorInfoInput` / `ConnectorInfo`. Datetimes are kept as received. */
export interface ConnectorInfo {
  run_and_terminate: boolean;
  buffering: boolean;
  queue_threshold: number;
  queue_messages_size: number;
  next_run_datetime?: string | null;
  last_run_datetime?: string | null;
}

/** Request headers worth asserting on (never the token). */
export interface CallHeaders {
  userAgent: string | null;
  /** `opencti-draft-id`: undefined when the header is absent, '' when sent empty. */
  draftId: string | undefined;
  applicantId: string | undefined;
}

/** One `registerConnector` call. */
export interface RegistrationRecord {
  at: string;
  input: RegisterConnectorInput;
  headers: CallHeaders;
  /** True when this call created the connector, false when it updated it. */
  created: boolean;
}

/** One `pingConnector` call on a known connector. */
export interface PingRecord {
  at: string;
  state: string | null | undefined;
  connectorInfo: ConnectorInfo | null | undefined;
  headers: CallHeaders;
  /** False on the ping that only cleared the reset flag (the sent state was not stored). */
  stateStored: boolean;
  /** `connector_state` answered to this ping. */
  returnedState: string | null;
}

/** The connector entity plus the fake's call history. */
export interface ConnectorRecord {
  id: string;
  name: string;
  connector_type: string;
  /** Stored comma-joined like the platform (null when empty); see {@link connectorScope}. */
  connector_scope: string | null;
  auto: boolean | null;
  auto_update: boolean | null;
  enrichment_resolution: string | null;
  only_contextual: boolean | null;
  playbook_compatible: boolean | null;
  listen_callback_uri: string | null;
  connector_user_id: string;
  connector_state: string | null;
  connector_state_reset: boolean;
  connector_state_timestamp: string;
  connector_info: ConnectorInfo | null;
  created_at: string;
  updated_at: string;
  built_in: boolean;
  registrations: RegistrationRecord[];
  pings: PingRecord[];
  /** Times `resetState` was applied. */
  resets: string[];
}

/** The scope list as the platform returns it: the stored text split on commas. */
export const connectorScope = (record: ConnectorRecord): string[] => (record.connector_scope ? record.connector_scope.split(',') : []);

/** `active` as computed by `completeConnector`: updated less than 5 minutes ago. */
export const isConnectorActive = (record: ConnectorRecord, now: Date): boolean => now.getTime() - Date.parse(record.updated_at) < 5 * 60_000;

/** In-memory connector registry. */
export class ConnectorStore {
  readonly records = new Map<string, ConnectorRecord>();

  constructor(private readonly now: () => Date) {}

  /** The connector with this id, if registered. */
  get(id: string): ConnectorRecord | undefined {
    return this.records.get(id);
  }

  /** Upsert of `registerConnector`: patches the listed fields, keeps `connector_state`. */
  register(input: RegisterConnectorInput, userId: string, headers: CallHeaders): ConnectorRecord {
    const at = this.now().toISOString();
    const patch = {
      name: input.name,
      connector_type: input.type,
      connector_scope: input.scope && input.scope.length > 0 ? input.scope.join(',') : null,
      // Defaults of the platform's destructuring (`auto = null`, `playbook_compatible = false`, ...).
      auto: input.auto === undefined ? null : input.auto,
      auto_update: input.auto_update === undefined ? null : input.auto_update,
      enrichment_resolution: input.enrichment_resolution === undefined ? null : input.enrichment_resolution,
      only_contextual: input.only_contextual === undefined ? null : input.only_contextual,
      playbook_compatible: input.playbook_compatible === undefined ? false : input.playbook_compatible,
      listen_callback_uri: input.listen_callback_uri ?? null,
      connector_user_id: userId,
      built_in: false,
      updated_at: at,
    };
    const existing = this.records.get(input.id);
    const registration: RegistrationRecord = { at, input: structuredClone(input), headers, created: !existing };
    if (existing) {
      Object.assign(existing, patch);
      existing.registrations.push(registration);
      return existing;
    }
    const record: ConnectorRecord = {
      id: input.id,
      ...patch,
      connector_state: null,
      connector_state_reset: false,
      connector_state_timestamp: at,
      connector_info: null,
      created_at: at,
      registrations: [registration],
      pings: [],
      resets: [],
    };
    this.records.set(input.id, record);
    return record;
  }

  /**
   * Heartbeat of a known connector: normally stores `updated_at` and the state; right after a
   * reset only clears the flag (the sent state is dropped). `connectorInfo` is stored when given.
   */
  ping(record: ConnectorRecord, state: string | null | undefined, connectorInfo: ConnectorInfo | null | undefined, headers: CallHeaders): ConnectorRecord {
    const at = this.now().toISOString();
    const wasReset = record.connector_state_reset;
    if (wasReset) {
      record.connector_state_reset = false;
    } else {
      record.updated_at = at;
      record.connector_state = state ?? null;
    }
    if (connectorInfo) record.connector_info = { ...connectorInfo };
    record.pings.push({ at, state, connectorInfo: connectorInfo ? { ...connectorInfo } : connectorInfo, headers, stateStored: !wasReset, returnedState: record.connector_state });
    return record;
  }

  /** `resetStateConnector` patch: state "" and the reset flag (queue purge is the caller's job). */
  resetState(record: ConnectorRecord): ConnectorRecord {
    const at = this.now().toISOString();
    record.connector_state = '';
    record.connector_state_reset = true;
    record.connector_state_timestamp = at;
    record.resets.push(at);
    return record;
  }
}
