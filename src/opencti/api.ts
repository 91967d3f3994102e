/**
 * The OpenCTI GraphQL calls this connector makes (protocol §1, §3.10, §4.5), with pycti's
 * query texts and headers. Nothing else talks to the platform's API.
 */
import { request } from 'undici';
import { z } from 'zod';
import { OpenCtiApiError } from '../errors';

const USER_AGENT = 'pycti/6.9.17 opencti-proofpoint-et-temporal/0.1.0';

export interface RegisterConnectorInput {
  id: string;
  name: string;
  type: 'INTERNAL_ENRICHMENT';
  scope: string[];
  auto: boolean;
  auto_update: boolean;
  enrichment_resolution: string;
  only_contextual: boolean;
  playbook_compatible: boolean;
  listen_callback_uri: string | null;
}

const connectionSchema = z.object({
  host: z.string(),
  vhost: z.string(),
  use_ssl: z.boolean(),
  port: z.number().int(),
  user: z.string(),
  pass: z.string(),
});

const registrationSchema = z.object({
  id: z.string(),
  connector_state: z.string().nullable().optional(),
  connector_user_id: z.string().nullable().optional(),
  config: z.object({
    connection: connectionSchema,
    listen: z.string(),
    listen_routing: z.string(),
    listen_exchange: z.string(),
    push: z.string(),
    push_routing: z.string(),
    push_exchange: z.string(),
    listen_callback_uri: z.string().nullable().optional(),
    dead_letter_routing: z.string().optional(),
  }),
});
export type Registration = z.infer<typeof registrationSchema>;
export type BrokerConnection = z.infer<typeof connectionSchema>;

const REGISTER = `mutation RegisterConnector($input: RegisterConnectorInput) {
  registerConnector(input: $input) {
    id
    connector_state
    connector_user_id
    config {
      connection { host vhost use_ssl port user pass }
      listen
      listen_routing
      listen_exchange
      push
      push_routing
      push_exchange
      listen_callback_uri
      dead_letter_routing
    }
  }
}`;

const PING = `mutation PingConnector($id: ID!, $state: String, $connectorInfo: ConnectorInfoInput) {
  pingConnector(id: $id, state: $state, connectorInfo: $connectorInfo) {
    id
    connector_state
    connector_info { run_and_terminate buffering queue_threshold queue_messages_size next_run_datetime last_run_datetime }
  }
}`;

const TO_RECEIVED = `mutation workToReceived($id: ID!, $message: String) {
  workEdit(id: $id) {
    toReceived(message: $message)
  }
}`;

const TO_PROCESSED = `mutation workToProcessed($id: ID!, $message: String, $inError: Boolean) {
  workEdit(id: $id) {
    toProcessed(message: $message, inError: $inError)
  }
}`;

const ADD_EXPECTATIONS = `mutation addExpectations($id: ID!, $expectations: Int) {
  workEdit(id: $id) {
    addExpectations(expectations: $expectations)
  }
}`;

const WORK_PING = `mutation pingWork($id: ID!) {
  workEdit(id: $id) {
    ping
  }
}`;

const PLAYBOOK_STEP = `mutation playbookStepExecution($execution_id: ID!, $event_id: ID!, $execution_start: DateTime!, $data_instance_id: ID!, $playbook_id: ID!, $previous_step_id: ID!, $step_id: ID!, $previous_bundle: String!, $bundle: String!) {
  playbookStepExecution(execution_id: $execution_id, event_id: $event_id, execution_start: $execution_start, data_instance_id: $data_instance_id, playbook_id: $playbook_id, previous_step_id: $previous_step_id, step_id: $step_id, previous_bundle: $previous_bundle, bundle: $bundle)
}`;

const STIX_BUNDLE_PUSH = `mutation stixBundlePush($connectorId: String!, $bundle: String!, $work_id: String) {
  stixBundlePush(connectorId: $connectorId, bundle: $bundle, work_id: $work_id)
}`;

export interface PlaybookStepArgs {
  execution_id: string;
  event_id: string;
  execution_start: string;
  data_instance_id: string;
  playbook_id: string;
  previous_step_id: string;
  step_id: string;
  previous_bundle: string;
  bundle: string;
}

export interface OpenCtiApiOptions {
  url: string;
  token: string;
  timeoutMs?: number;
}

/** A thin GraphQL client. Errors become {@link OpenCtiApiError}; the token never appears in them. */
export class OpenCtiApi {
  private readonly endpoint: string;
  constructor(private readonly opts: OpenCtiApiOptions) {
    this.endpoint = `${opts.url.replace(/\/+$/, '')}/graphql`;
  }

  async call<T = unknown>(operation: string, query: string, variables: Record<string, unknown>, draftId?: string | null): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.opts.token}`,
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
    };
    if (draftId !== undefined) headers['opencti-draft-id'] = draftId ?? '';
    const timeout = this.opts.timeoutMs ?? 60_000;
    let res;
    try {
      res = await request(this.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: AbortSignal.timeout(timeout),
      });
    } catch (err) {
      throw new OpenCtiApiError(operation, `platform not reachable at ${this.opts.url} (${(err as Error).message})`, undefined, { cause: err });
    }
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      throw new OpenCtiApiError(operation, `HTTP ${res.statusCode}: ${text.slice(0, 300)}`, res.statusCode);
    }
    let body: { data?: Record<string, unknown>; errors?: { message?: string; name?: string }[] };
    try {
      body = JSON.parse(text);
    } catch {
      throw new OpenCtiApiError(operation, 'the platform answered with something that is not JSON', res.statusCode);
    }
    if (body.errors && body.errors.length > 0) {
      const first = body.errors[0]!;
      throw new OpenCtiApiError(operation, first.name ? `${first.name}: ${first.message ?? ''}` : (first.message ?? 'unknown error'), 200);
    }
    return body.data as T;
  }

  async about(): Promise<string> {
    const data = await this.call<{ about: { version: string } }>('about', 'query { about { version } }', {});
    return data.about.version;
  }

  async registerConnector(input: RegisterConnectorInput): Promise<Registration> {
    const data = await this.call<{ registerConnector: unknown }>('registerConnector', REGISTER, { input });
    const parsed = registrationSchema.safeParse(data.registerConnector);
    if (!parsed.success) throw new OpenCtiApiError('registerConnector', `unexpected answer: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  async pingConnector(id: string, state: string | null): Promise<{ connector_state: string | null }> {
    const connectorInfo = {
      run_and_terminate: false,
      buffering: false,
      queue_threshold: 500,
      queue_messages_size: 0,
      next_run_datetime: null,
      last_run_datetime: null,
    };
    const data = await this.call<{ pingConnector: { connector_state: string | null } }>('pingConnector', PING, {
      id,
      state: state ?? 'null',
      connectorInfo,
    });
    return data.pingConnector;
  }

  async workToReceived(workId: string, message: string, draftId?: string | null): Promise<void> {
    await this.call('workEdit.toReceived', TO_RECEIVED, { id: workId, message }, draftId);
  }

  async workToProcessed(workId: string, message: string, inError: boolean, draftId?: string | null): Promise<void> {
    await this.call('workEdit.toProcessed', TO_PROCESSED, { id: workId, message, inError }, draftId);
  }

  async addExpectations(workId: string, expectations: number, draftId?: string | null): Promise<void> {
    await this.call('workEdit.addExpectations', ADD_EXPECTATIONS, { id: workId, expectations }, draftId);
  }

  /** The number of expectations the platform holds for a work (null when it does not know the work). */
  async workExpectations(workId: string): Promise<number | null> {
    const data = await this.call<{ work: { tracking: { import_expected_number: number | null } | null } | null }>(
      'work',
      'query work($id: ID!) { work(id: $id) { tracking { import_expected_number } } }',
      { id: workId },
    );
    return data.work?.tracking?.import_expected_number ?? (data.work ? 0 : null);
  }

  async pingWork(workId: string): Promise<void> {
    await this.call('workEdit.ping', WORK_PING, { id: workId });
  }

  /** API push mode (protocol §4.6): the platform queues the whole bundle for its workers. */
  async stixBundlePush(connectorId: string, bundle: string, workId: string | null): Promise<boolean> {
    const data = await this.call<{ stixBundlePush: boolean | null }>('stixBundlePush', STIX_BUNDLE_PUSH, { connectorId, bundle, work_id: workId });
    return data.stixBundlePush === true;
  }

  async playbookStepExecution(args: PlaybookStepArgs): Promise<boolean> {
    const data = await this.call<{ playbookStepExecution: boolean | null }>('playbookStepExecution', PLAYBOOK_STEP, { ...args });
    return data.playbookStepExecution === true;
  }
}
