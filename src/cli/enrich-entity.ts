/**
 * `et-connector enrich --entity <id>`: enriches one OpenCTI entity now, the way the platform's
 * "Enrich" button does (`stixCoreObjectEdit(id) { askEnrichment(connectorId) }`, protocol §3.1):
 * OpenCTI creates the work and queues the request, the running connector's bridge starts
 * `enrich/<work id>` and its worker pushes the bundle. The CLI then follows that run to its end.
 * Going through the platform (rather than starting a workflow ourselves) keeps one truthful work
 * per request, the entity's real markings and the TLP gate, exactly as for any other request.
 */
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { workflowIdFor } from '../bridge/message';
import type { Config } from '../config';
import { ConfigError, OpenCtiApiError } from '../errors';
import { OpenCtiApi } from '../opencti/api';
import type { EnrichmentResult } from '../shared/types';
import { EXIT } from './enrich';
import { connectOps, hasWorker, type OpsClient } from './ops-common';

const ASK_ENRICHMENT = `mutation AskEnrichment($id: ID!, $connectorId: ID!) {
  stixCoreObjectEdit(id: $id) { askEnrichment(connectorId: $connectorId) { id } }
}`;

export interface EnrichEntityOptions {
  wait: boolean;
  /** How long the bridge may take to start the run before we say it is not running. */
  startTimeoutMs: number;
}

/** Asks the platform to queue the enrichment; returns the work id it created. */
export async function askPlatformEnrichment(config: Config, entityId: string): Promise<string> {
  requirePlatform(config);
  const api = new OpenCtiApi({ url: config.openctiUrl!, token: config.openctiToken!, timeoutMs: 30_000 });
  let data: { stixCoreObjectEdit: { askEnrichment: { id: string } | null } | null };
  try {
    data = await api.call('askEnrichment', ASK_ENRICHMENT, { id: entityId, connectorId: config.connectorId });
  } catch (err) {
    if (err instanceof OpenCtiApiError && /cannot be found/i.test(err.message)) {
      throw new EntityNotEnrichableError(`OpenCTI has no entity ${entityId} (or this token cannot see it)`);
    }
    throw err;
  }
  const workId = data.stixCoreObjectEdit?.askEnrichment?.id;
  if (!workId) {
    throw new EntityNotEnrichableError(
      `OpenCTI did not queue the enrichment of ${entityId}: connector ${config.connectorId} is not registered there (start the connector, or check CONNECTOR_ID)`,
    );
  }
  return workId;
}

function requirePlatform(config: Config): void {
  const missing = [!config.openctiUrl && 'OPENCTI_URL', !config.openctiToken && 'OPENCTI_TOKEN'].filter(Boolean);
  if (missing.length > 0) {
    throw new ConfigError(missing.map((name) => `${name}: required to enrich an OpenCTI entity (--entity); --type/--value needs no platform`));
  }
}

/** The platform refused the request: the entity or the connector is unknown to it. */
export class EntityNotEnrichableError extends Error {
  override readonly name = 'EntityNotEnrichableError';
}

/** Waits for the bridge to start the run, then for its end; the exit code follows its outcome. */
async function followRun(ops: OpsClient, workflowId: string, opts: EnrichEntityOptions, io: CliOutput): Promise<number> {
  const handle = ops.client.workflow.getHandle(workflowId);
  const deadline = Date.now() + opts.startTimeoutMs;
  for (;;) {
    try {
      await handle.describe();
      break;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      if (Date.now() > deadline) {
        io.err(`enrich: no run ${workflowId} after ${Math.round(opts.startTimeoutMs / 1000)} s: is the connector's bridge running (et-connector start or bridge)? The work stays queued in OpenCTI until it is.`);
        return EXIT.failed;
      }
      await sleep(500);
    }
  }
  if (!(await hasWorker(ops))) io.err(`enrich: warning: no worker has polled task queue ${ops.taskQueue} recently; the run waits until one does`);
  try {
    const result = (await handle.result()) as EnrichmentResult;
    io.out(`${result.outcome}: ${result.message}`);
    return result.outcome === 'partial' ? EXIT.partial : EXIT.ok;
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    io.out(`failed: ${err.cause?.message ?? err.message}`);
    return EXIT.failed;
  }
}

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

export async function runEnrichEntity(config: Config, entityId: string, opts: EnrichEntityOptions, io: CliOutput): Promise<number> {
  requirePlatform(config);
  // Connect to Temporal first when we will wait: a typo in TEMPORAL_ADDRESS should not leave a
  // queued request behind that nobody follows.
  const ops = opts.wait ? await connectOps(config) : null;
  try {
    let workId: string;
    try {
      workId = await askPlatformEnrichment(config, entityId);
    } catch (err) {
      if (!(err instanceof EntityNotEnrichableError) && !(err instanceof OpenCtiApiError)) throw err;
      io.err(`enrich: ${err.message}`);
      return EXIT.failed;
    }
    const workflowId = workflowIdFor({ work_id: workId }, entityId, Buffer.alloc(0));
    io.err(`enrich: OpenCTI queued the enrichment of ${entityId} (work ${workId}); the connector runs it as ${workflowId}`);
    return ops ? await followRun(ops, workflowId, opts, io) : EXIT.ok;
  } finally {
    await ops?.close();
  }
}
