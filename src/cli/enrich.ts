/**
 * `et-connector enrich`: one manual enrichment through the real workflow, without OpenCTI.
 * Runs a worker in this process on a private task queue (so it uses this shell's ET settings),
 * executes `enrichObservable` on the configured Temporal server, and prints the STIX bundle.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { observableValue } from '../bridge/message';
import { searchAttributesFor, staticSummary, WORKFLOW_TYPE } from '../bridge/start-enrichment';
import type { Config } from '../config';
import { ConfigError, TemporalUnreachableError } from '../errors';
import type { Logger } from '../logger';
import { fileId, observableId } from '../stix/ids';
import { OBSERVABLE_TYPES, type EnrichmentRequest, type EnrichmentResult, type ObservableType, type StixBundle, type StixObject } from '../shared/types';
import { connectTemporal } from '../temporal/connect';
import { installRuntime } from '../temporal/runtime';
import { createEnrichmentWorker } from '../worker';

export interface EnrichCliArgs {
  type: string;
  value: string;
}

/** Exit codes: 0 completed or no data, 3 partial (some ET calls failed), 1 failed, 2 bad input. */
export const EXIT = { ok: 0, failed: 1, usage: 2, partial: 3 } as const;

/** A STIX entity for a value given on the command line, with the id OpenCTI would give it. */
export function entityFor(type: ObservableType, value: string): StixObject {
  if (type === 'StixFile') {
    const hashes = { MD5: value.toLowerCase() };
    return { id: fileId(hashes), type: 'file', spec_version: '2.1', hashes };
  }
  const stixType = type === 'IPv4-Addr' ? 'ipv4-addr' : 'domain-name';
  return { id: observableId(stixType, value), type: stixType, spec_version: '2.1', value };
}

/** What is wrong with the arguments, if anything (so the CLI can report it with the config problems). */
export function cliRequestProblems(args: EnrichCliArgs): string[] {
  const type = OBSERVABLE_TYPES.find((t) => t.toLowerCase() === args.type.toLowerCase());
  if (!type) return [`--type: must be one of ${OBSERVABLE_TYPES.join(', ')}`];
  if (type === 'StixFile' && !/^[a-fA-F0-9]{32}$/.test(args.value.trim())) return ['--value: a StixFile is looked up by its MD5 (32 hexadecimal characters)'];
  const value = observableValue(type, entityFor(type, args.value.trim()));
  return 'error' in value ? [`--value: ${value.error}`] : [];
}

export function buildCliRequest(args: EnrichCliArgs): EnrichmentRequest {
  const problems = cliRequestProblems(args);
  if (problems.length > 0) throw new ConfigError(problems);
  const type = OBSERVABLE_TYPES.find((t) => t.toLowerCase() === args.type.toLowerCase())!;
  const entity = entityFor(type, args.value.trim());
  const value = observableValue(type, entity) as { value: string };
  return {
    trigger: 'cli',
    workId: null,
    entityId: entity.id,
    entityType: type,
    value: value.value,
    stixEntity: entity,
    applicantId: null,
    draftId: null,
    playbook: null,
    receivedAt: new Date().toISOString(),
  };
}

/**
 * Runs the enrichment; prints the bundle (`--print`) or a one-line summary on stdout.
 * The SDK's own retry warnings are kept off stderr unless CONNECTOR_LOG_LEVEL=debug: the final
 * reason is logged once.
 */
export async function runEnrich(config: Config, args: EnrichCliArgs, logger: Logger, printBundle: boolean, print: (text: string) => void): Promise<number> {
  if (!config.etApiKey) throw new ConfigError(['PROOFPOINT_ET_API_KEY: required (your ET Intelligence API key)']);
  const request = buildCliRequest(args);
  installRuntime(config.logLevel === 'debug' ? 'debug' : 'error');
  const temporal = await connectTemporal(config, logger);
  const taskQueue = `et-connector-cli-${randomUUID()}`;
  let native: NativeConnection;
  let connection: Connection;
  try {
    native = await NativeConnection.connect({ address: temporal.address });
    connection = await Connection.connect({ address: temporal.address, connectTimeout: '10s' });
  } catch (err) {
    await temporal.stop();
    throw new TemporalUnreachableError(temporal.address, err);
  }
  const client = new Client({ connection, namespace: config.temporalNamespace });
  const workflowId = `enrich/cli/${request.entityType}/${request.value}/${randomUUID()}`;
  // The bundle comes straight from the activity to this process (its worker polls a queue of its
  // own), never through the workflow history, whose payloads are limited to 2 MB.
  let bundle: StixBundle = { type: 'bundle', id: `bundle--${randomUUID()}`, spec_version: '2.1', objects: [] };
  const cliSink = (id: string, delivered: StixBundle) => {
    if (id === workflowId) bundle = delivered;
  };
  const worker = await createEnrichmentWorker({ config, connection: native, taskQueue, withOpenCti: false, cliSink, shutdownGraceTime: '1s' });
  try {
    const result = await worker.runUntil(
      client.workflow.execute(WORKFLOW_TYPE, {
        workflowId,
        taskQueue,
        args: [request],
        typedSearchAttributes: searchAttributesFor(request),
        staticSummary: staticSummary(request),
      }) as Promise<EnrichmentResult>,
    );
    print(printBundle ? JSON.stringify(bundle, null, 2) : `${result.outcome}: ${result.message} (${bundle.objects.length} STIX objects; add --print to see them)`);
    logger.info('Enrichment finished', { workflowId, outcome: result.outcome, message: result.message });
    return result.outcome === 'partial' ? EXIT.partial : EXIT.ok;
  } catch (err) {
    const message = err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : (err as Error).message;
    logger.error('Enrichment failed', { workflowId, reason: message });
    return EXIT.failed;
  } finally {
    await worker.close();
    await connection.close();
    await native.close();
    await temporal.stop();
  }
}
