/**
 * The GraphQL schema of the fake OpenCTI platform: the operations a connector and a worker touch
 * (protocol reference §1, §3.10, §4.5, §4.6, §6.1), with the argument and input types the
 * reference gives for 6.9.17, so that graphql-js validates and coerces requests as the real
 * platform does (unknown input fields, bad enum values, missing non-null arguments, wrong scalar
 * types are all rejected). Older versions drop the registration fields they did not define.
 *
 * Differences from the real SDL, all on output types the connector never reads: `Connector`,
 * `Work` and `Creator` carry only the fields the fake can fill; the `@auth` and `@constraint`
 * directives are enforced in code (resolvers.ts, graphql-http.ts) rather than declared.
 */
import { supportsRegisterField } from '../../opencti/versions';
import { buildSchema, type GraphQLSchema, isScalarType } from 'graphql';
import { dateTimeScalarConfig } from './scalars';

/** SDL of the fake. Input types are verbatim copies of the 6.9.17 platform definitions. */
export const FAKE_OPENCTI_SDL = /* GraphQL */ `
scalar DateTime

enum State {
  wait
  progress
  complete
  timeout
}

enum ConnectorType {
  EXTERNAL_IMPORT
  INTERNAL_IMPORT_FILE
  INTERNAL_ENRICHMENT
  INTERNAL_ANALYSIS
  INTERNAL_EXPORT_FILE
  STREAM
}

enum ConnectorPriorityGroup {
  REALTIME
  DEFAULT
}

input RegisterConnectorInput {
  id: ID!
  name: String!
  type: ConnectorType!
  scope: [String!]
  auto: Boolean
  auto_update: Boolean
  enrichment_resolution: String
  only_contextual: Boolean
  playbook_compatible: Boolean
  listen_callback_uri: String
}

input ConnectorInfoInput {
  run_and_terminate: Boolean!
  buffering: Boolean!
  queue_threshold: Float!
  queue_messages_size: Float!
  next_run_datetime: DateTime
  last_run_datetime: DateTime
}

input WorkErrorInput {
  error: String
  source: String
}

type AppInfo {
  version: String!
}

type RabbitMQConnection {
  host: String!
  vhost: String!
  use_ssl: Boolean!
  port: Int!
  user: String!
  pass: String!
}

type S3Connection {
  endpoint: String!
  port: Int!
  use_ssl: Boolean!
  bucket_name: String!
  bucket_region: String!
  access_key: String!
  secret_key: String!
}

type ConnectorConfig {
  connection: RabbitMQConnection!
  s3: S3Connection!
  listen: String!
  listen_routing: String!
  listen_exchange: String!
  listen_callback_uri: String
  push: String!
  push_routing: String!
  push_exchange: String!
  dead_letter_routing: String!
}

type ConnectorInfo {
  run_and_terminate: Boolean!
  buffering: Boolean!
  queue_threshold: Float!
  queue_messages_size: Float!
  next_run_datetime: DateTime
  last_run_datetime: DateTime
}

type ConnectorQueueDetails {
  messages_number: Float!
  messages_size: Float!
}

type Creator {
  id: ID!
  name: String!
  entity_type: String!
}

type Connector {
  id: ID!
  standard_id: String!
  entity_type: String!
  parent_types: [String!]!
  name: String!
  title: String!
  active: Boolean
  auto: Boolean
  auto_update: Boolean
  enrichment_resolution: String
  only_contextual: Boolean
  playbook_compatible: Boolean
  connector_trigger_filters: String
  connector_type: String
  connector_scope: [String!]
  connector_state: String
  connector_state_reset: Boolean
  connector_state_timestamp: DateTime
  connector_user_id: ID
  connector_user: Creator
  connector_queue_details: ConnectorQueueDetails!
  connector_info: ConnectorInfo
  connector_priority_group: ConnectorPriorityGroup!
  updated_at: DateTime
  created_at: DateTime
  config: ConnectorConfig
  works(status: String): [Work]
  is_managed: Boolean
  built_in: Boolean
}

type WorkMessage {
  timestamp: DateTime
  message: String
  sequence: Int
  source: String
}

type WorkTracking {
  import_expected_number: Int
  import_last_processed: DateTime
  import_processed_number: Int
}

type Work {
  id: ID!
  name: String
  user: Creator
  connector: Connector
  timestamp: DateTime!
  status: State!
  event_source_id: String
  received_time: DateTime
  processed_time: DateTime
  completed_time: DateTime
  completed_number: Int
  messages: [WorkMessage]
  errors: [WorkMessage]
  tracking: WorkTracking
  draft_context: String
}

type WorkEditMutations {
  delete: ID!
  ping: ID!
  reportExpectation(error: WorkErrorInput): ID!
  addExpectations(expectations: Int): ID!
  addDraftContext(draftContext: String): ID!
  toReceived(message: String): ID!
  toProcessed(message: String, inError: Boolean): ID!
}

type StixCoreObjectEditMutations {
  askEnrichment(connectorId: ID!): Work
  askEnrichments(connectorIds: [ID!]!): [Work!]
}

type Query {
  about: AppInfo
  connector(id: String!): Connector
  connectors: [Connector]
  work(id: ID!): Work
  isWorkAlive(id: ID!): Boolean
}

type Mutation {
  registerConnector(input: RegisterConnectorInput): Connector
  pingConnector(id: ID!, state: String, connectorInfo: ConnectorInfoInput): Connector
  resetStateConnector(id: ID!): Connector
  workEdit(id: ID!): WorkEditMutations
  stixBundlePush(connectorId: String!, bundle: String!, work_id: String): Boolean
  stixCoreObjectEdit(id: ID!): StixCoreObjectEditMutations
  playbookStepExecution(
    execution_id: ID!
    event_id: ID!
    execution_start: DateTime!
    data_instance_id: ID!
    playbook_id: ID!
    previous_step_id: ID!
    step_id: ID!
    previous_bundle: String!
    bundle: String!
  ): Boolean
}
`;

/** Builds the executable schema (SDL + the platform's DateTime scalar behaviour) of a platform version. */
export function createFakeOpenCtiSchema(version = '6.9.17'): GraphQLSchema {
  // Older platforms do not define the newer registration fields, and so reject them.
  const sdl = FAKE_OPENCTI_SDL.replace(/input RegisterConnectorInput \{[^}]*\}/, (block) =>
    block
      .split('\n')
      .filter((line) => {
        const field = /^\s+(\w+):/.exec(line)?.[1];
        return !field || supportsRegisterField(version, field);
      })
      .join('\n'),
  );
  const schema = buildSchema(sdl);
  const dateTime = schema.getType('DateTime');
  // buildSchema leaves custom scalars as pass-through; give DateTime the graphql-scalars
  // behaviour the platform uses (RFC 3339 strings only, otherwise a coercion error).
  if (isScalarType(dateTime)) Object.assign(dateTime, dateTimeScalarConfig);
  return schema;
}
