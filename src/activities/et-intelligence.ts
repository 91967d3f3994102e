/**
 * One activity per ET Intelligence endpoint. Each makes exactly one HTTP request (Temporal does the
 * retrying, per the workflow's `etActivity` policy) and turns ET's failures into typed
 * `ApplicationFailure`s the workflow understands.
 */
import { ApplicationFailure, cancellationSignal, metricMeter } from '@temporalio/activity';
import type { EtClient } from '../et/client';
import { fetchEtCall, type EtCallResult } from '../et/endpoints';
import { EtApiError } from '../et/errors';
import type { EtCall } from '../shared/types';

export interface EtActivityDeps {
  client: EtClient;
  /** The clock used for the last-seen window (injectable so tests run at the fixtures' reference time). */
  now: () => Date;
  windowMs: number;
  cap: number;
}

function toFailure(err: unknown): unknown {
  // A value of the wrong kind for the call (see etPath) is a caller bug: asking again cannot help.
  if (err instanceof RangeError) return ApplicationFailure.create({ message: err.message, type: 'EtValueRefused', nonRetryable: true });
  if (!(err instanceof EtApiError)) return err;
  // 401/403 and malformed answers cannot get better by retrying; the rest can.
  const nonRetryable = err.code === 'auth' || err.code === 'invalid-response';
  return ApplicationFailure.create({
    message: err.message,
    type: err.errorType,
    nonRetryable,
    nextRetryDelay: err.retryAfterMs,
    details: [{ status: err.status ?? null, path: err.path }],
  });
}

export function createEtActivities(deps: EtActivityDeps) {
  const run = <C extends EtCall>(call: C) =>
    async (value: string): Promise<EtCallResult<C>> => {
      // ET requests by endpoint and result, on the worker's Prometheus endpoint (Temporal runtime meter).
      const requests = metricMeter.createCounter('et_requests', 'requests', 'ET Intelligence requests by endpoint and result');
      try {
        const result = (await fetchEtCall(deps.client, call, value, {
          now: deps.now(),
          windowMs: deps.windowMs,
          cap: deps.cap,
          signal: cancellationSignal(),
        })) as EtCallResult<C>;
        requests.add(1, { endpoint: call, result: result === null || (typeof result === 'object' && 'items' in result && result.total === 0) ? 'no-data' : 'ok' });
        return result;
      } catch (err) {
        requests.add(1, { endpoint: call, result: err instanceof EtApiError ? err.code : 'error' });
        throw toFailure(err);
      }
    };
  return {
    getReputation: run('reputation'),
    getRelatedDomains: run('relatedDomains'),
    getRelatedIps: run('relatedIps'),
    getRelatedSamples: run('relatedSamples'),
    getGeolocation: run('geolocation'),
    getAsn: run('asn'),
    getSampleDetails: run('sampleDetails'),
  };
}
