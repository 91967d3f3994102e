/**
 * A private Temporal dev server WITHOUT this connector's search attributes: what a fresh real
 * cluster looks like before `et-connector setup`. (src/temporal/dev-server.ts always registers
 * them through start-up flags, so this one is spawned directly.)
 */
import { spawn } from 'node:child_process';
import { freePort, isTemporalServing, TEMPORAL_CLI_PATH } from '../../src/temporal/dev-server';

export interface BareDevServer {
  address: string;
  stop(): Promise<void>;
}

export async function startBareDevServer(timeoutMs = 120_000): Promise<BareDevServer> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const child = spawn(
    TEMPORAL_CLI_PATH,
    [
      ...['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless', '--log-level', 'error'],
      ...['--dynamic-config-value', 'frontend.enableServerVersionCheck=false'],
      // Search attributes added or removed by a test are seen by the next request, not after a cache period.
      ...['--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=true'],
    ],
    { env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' }, stdio: 'ignore' },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  void exited.then(() => process.removeListener('exit', killOnExit));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(kill);
    }
  };
  const deadline = Date.now() + timeoutMs;
  while (!(await isTemporalServing(address, 1000))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the bare Temporal dev server did not serve on ${address} within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { address, stop };
}
