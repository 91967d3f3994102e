/**
 * Sandbox mode: with neither OPENCTI_URL nor PROOFPOINT_ET_API_KEY configured, `npm start` and the
 * demo run against the bundled fakes of OpenCTI and of the ET API (loopback, real RabbitMQ).
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config';
import { startFakeEtApi, type FakeEtApi } from '../fakes/et-api/server';
import { startFakeOpenCti, type FakeOpenCti } from '../fakes/opencti/server';
import type { Logger } from '../logger';
import { registerSecret } from '../logger';

export interface Sandbox {
  et: FakeEtApi;
  opencti: FakeOpenCti;
  config: Config;
  stop(): Promise<void>;
}

/** True when the operator configured neither platform nor ET key: nothing real to talk to. */
export function wantsSandbox(config: Config): boolean {
  return !config.openctiUrl && !config.openctiToken && !config.etApiKey;
}

export async function startSandbox(config: Config, logger: Logger, why = 'OPENCTI_URL, OPENCTI_TOKEN and PROOFPOINT_ET_API_KEY are not set'): Promise<Sandbox> {
  const etApiKey = `sandbox-et-key-${randomBytes(6).toString('hex')}`;
  const openctiToken = `sandbox-token-${randomBytes(6).toString('hex')}`;
  registerSecret(etApiKey);
  registerSecret(openctiToken);
  const et = await startFakeEtApi({ apiKey: etApiKey, synthetic: true, scenarios: [], logger: logger.child({ component: 'fake-et-api' }) });
  const opencti = await startFakeOpenCti({ token: openctiToken, logger: logger.child({ component: 'fake-opencti' }) });
  logger.warn(
    `*** SANDBOX MODE: ${why}, so this connector runs against the bundled FAKE OpenCTI and FAKE ET Intelligence API. Nothing real is enriched. ***`,
    { fakeOpenCti: opencti.url, fakeEtApi: et.baseUrl },
  );
  return {
    et,
    opencti,
    config: { ...config, openctiUrl: opencti.url, openctiToken, etBaseUrl: et.baseUrl, etApiKey },
    async stop() {
      await opencti.close();
      await et.close();
    },
  };
}
