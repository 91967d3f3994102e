/**
 * Process life cycle of the long-running commands and of the dev server they may start: a dev
 * server that cannot start says why, one that died is still stopped promptly, a signal during
 * start-up stops what has started (exit 0), and a taken health or metrics port is a clear error.
 * Never on ports 7233/8233 (those cases are in commands.test.ts): private servers on free ports.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { DevServerStartError, devServerReason, freePort, startDevServer, whenDevServerDied } from '../../src/temporal/dev-server';

const BIN = join(__dirname, '../../bin/et-connector.js');

/** Holds a loopback port until closed, as another program would. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, server };
}

/** Pid of the `temporal server start-dev` serving on this frontend port. */
function devServerPid(port: number): number {
  return Number(execFileSync('pgrep', ['-f', `start-dev --ip 127.0.0.1 --port ${port} `]).toString().trim().split('\n')[0]);
}

/** Sandbox settings (no OpenCTI, no ET key), on the tests' Temporal server. */
function sandboxEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { OPENCTI_URL: _u, OPENCTI_TOKEN: _t, PROOFPOINT_ET_API_KEY: _k, CONNECTOR_HEALTH_PORT: _h, CONNECTOR_METRICS_PORT: _m, ...rest } = process.env;
  return { ...rest, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: `lifecycle-${process.pid}-${Date.now()}`, ...extra };
}

/** Runs the CLI to its end (SIGKILL after `timeoutMs`). */
async function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return { code, stderr };
}

describe('the dev server', () => {
  it('names the CLI error lines as the reason', () => {
    const out = [
      'CLI 1.0',
      `time=2026-12-04T08:13:11.411 level=ERROR msg="can't set UI port 8233: listen tcp 127.0.0.1:8233: bind: address already in use"`,
    ];
    expect(devServerReason(out)).toBe("can't set UI port 8233: listen tcp 127.0.0.1:8233: bind: address already in use");
    expect(devServerReason(['a', 'b', 'c', 'd'])).toBe('b; c; d');
  });

  it('that cannot start (its UI port taken) fails with a typed error saying why and what to do', async () => {
    const held = await holdPort();
    try {
      const failure = await startDevServer({ uiPort: held.port, startupTimeoutMs: 120_000 }).then(
        () => null,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(DevServerStartError);
      const message = (failure as Error).message;
      expect(message).toContain(`can't set UI port ${held.port}`);
      expect(message).toContain('address already in use');
      expect(message).toContain('TEMPORAL_ADDRESS');
      expect(message).toMatch(new RegExp(`Free ports \\d+ and ${held.port}`));
    } finally {
      held.server.close();
    }
  });

  it('killed by a signal: stop() still resolves at once, and its death is reported', async () => {
    const port = await freePort();
    const server = await startDevServer({ port, startupTimeoutMs: 120_000 });
    const died = whenDevServerDied(server);
    expect(died).not.toBeNull();
    process.kill(devServerPid(port), 'SIGKILL');
    expect(await died).toBe('killed by SIGKILL');
    // Before the fix, stop() waited for an 'exit' event that had already fired: for ever.
    const stopped = await Promise.race([server.stop().then(() => 'stopped'), new Promise((r) => setTimeout(() => r('hung'), 5000))]);
    expect(stopped).toBe('stopped');
  });

  it('stopped by stop(): no death is reported', async () => {
    const server = await startDevServer({ startupTimeoutMs: 120_000 });
    const died = whenDevServerDied(server)!.then((how) => how);
    await server.stop();
    expect(await Promise.race([died, new Promise((r) => setTimeout(() => r('no death'), 1000))])).toBe('no death');
  });
});

describe('start-up of the long-running commands', () => {
  it('a signal while registration with OpenCTI is retried stops the running worker and exits 0', async () => {
    // OpenCTI configured but down: the worker polls already, the bridge retries its registration.
    const closedPort = await freePort();
    const child = spawn(process.execPath, [BIN, 'start'], {
      env: sandboxEnv({ CONNECTOR_ID: randomUUID(), OPENCTI_URL: `http://127.0.0.1:${closedPort}`, OPENCTI_TOKEN: 'lifecycle-token-1234', PROOFPOINT_ET_API_KEY: 'lifecycle-et-key-1234' }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const deadline = Date.now() + 90_000;
    while (!stderr.includes('OpenCTI not ready for registration; retrying') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toContain('Worker running');
    expect(stderr).toContain('OpenCTI not ready for registration; retrying');
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await closed;
    clearTimeout(timer);
    expect(code, stderr.slice(-3000)).toBe(0);
    expect(stderr).toContain('Signal during start-up');
    expect(stderr).toMatch(/"msg":"Worker state changed".*"state":"STOPPED"/);
    expect(stderr).toContain('Stopped during start-up');
  });

  it('a taken metrics port is a start-up error naming CONNECTOR_METRICS_PORT, with no stack trace', async () => {
    const held = await holdPort();
    try {
      const { code, stderr } = await runCli(['worker'], sandboxEnv({ CONNECTOR_METRICS_PORT: String(held.port) }));
      expect(code, stderr.slice(-2000)).toBe(1);
      expect(stderr).toContain(`127.0.0.1:${held.port} (CONNECTOR_METRICS_PORT): the port is already in use`);
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      held.server.close();
    }
  });

  it('a taken health port is a start-up error naming CONNECTOR_HEALTH_PORT, and equal ports are named as such', async () => {
    const held = await holdPort();
    try {
      const taken = await runCli(['worker'], sandboxEnv({ CONNECTOR_HEALTH_PORT: String(held.port) }));
      expect(taken.code, taken.stderr.slice(-2000)).toBe(1);
      expect(taken.stderr).toContain(`127.0.0.1:${held.port} (CONNECTOR_HEALTH_PORT): the port is already in use`);
      expect(taken.stderr).not.toMatch(/\n\s+at /);
    } finally {
      held.server.close();
    }
    const port = await freePort();
    const same = await runCli(['worker'], sandboxEnv({ CONNECTOR_HEALTH_PORT: String(port), CONNECTOR_METRICS_PORT: String(port) }));
    // Refused by the configuration (exit 2) or, failing that, at the bind (exit 1): both named.
    expect([1, 2], same.stderr.slice(-2000)).toContain(same.code);
    expect(same.stderr).toContain('CONNECTOR_METRICS_PORT and CONNECTOR_HEALTH_PORT: the same port');
    expect(same.stderr).not.toMatch(/\n\s+at /);
  });
});
