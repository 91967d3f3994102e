/**
 * The README's commands through the real entry point (bin/et-connector.js), as an operator runs
 * them: the demo and sandbox `start` stopped by SIGTERM, on the test Temporal server; then `start`
 * with its embedded server on ports 7233/8233 (a terminal's double SIGINT, the server killed, the
 * server unable to start), so those need the ports free, like web-ui.test.ts.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { isTemporalServing } from '../../src/temporal/dev-server';

const BIN = join(__dirname, '../../bin/et-connector.js');

function env(): NodeJS.ProcessEnv {
  // Sandbox mode: no OpenCTI and no ET credentials in the environment.
  const { OPENCTI_URL: _u, OPENCTI_TOKEN: _t, PROOFPOINT_ET_API_KEY: _k, ...rest } = process.env;
  return { ...rest, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: `commands-${process.pid}-${Date.now()}` };
}

/** Sandbox `start` without TEMPORAL_ADDRESS: the embedded server on 7233/8233. */
function embeddedEnv(): NodeJS.ProcessEnv {
  const { TEMPORAL_ADDRESS: _a, ...rest } = env();
  return rest;
}

/** Spawns `start`, collecting stderr; `ready` resolves once it consumes (or it exited). */
function start(environment: NodeJS.ProcessEnv): { child: ChildProcessWithoutNullStreams; stderr: () => string; closed: Promise<number | null>; ready: () => Promise<void> } {
  const child = spawn(process.execPath, [BIN, 'start'], { env: environment });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  const ready = async () => {
    const deadline = Date.now() + 120_000;
    while (!stderr.includes('Consuming the listen queue') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toContain('Consuming the listen queue');
  };
  return { child, stderr: () => stderr, closed, ready };
}

/** Waits for the close, SIGKILLing the process after `ms` (so a hang fails the test instead of the run). */
async function exitWithin(run: ReturnType<typeof start>, ms: number): Promise<number | null> {
  const timer = setTimeout(() => run.child.kill('SIGKILL'), ms);
  const code = await run.closed;
  clearTimeout(timer);
  return code;
}

describe('the README commands', () => {
  it('the demo runs three enrichments and ends with its tally line, exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'demo'], { env: env() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr.slice(-2000)).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('demo: 3 of 3 enrichments completed, 0 failed');
    expect(stdout).toMatch(/✓ manual IPv4-Addr 198\.51\.100\.7: .*ipv4-addr/);
    expect(stdout).toMatch(/✓ auto Domain-Name .*: .*domain-name/);
    expect(stdout).toMatch(/✓ manual StixFile [0-9a-f]{32}: .*file/);
    expect(stderr).toContain('SANDBOX MODE');
  });

  it('sandbox `start` consumes requests, and SIGTERM drains it to exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'start'], { env: env() });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const deadline = Date.now() + 60_000;
    while (!stderr.includes('Consuming the listen queue') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toContain('Consuming the listen queue');
    child.kill('SIGTERM');
    expect(await closed).toBe(0);
    expect(stderr).toContain('fake OpenCTI stopped');
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

});

describe('`start` with the embedded Temporal server (ports 7233/8233)', () => {
  it('a terminal Ctrl-C (SIGINT twice, 50 ms apart) drains to exit 0 instead of cutting the drain short', async () => {
    // With the embedded server the drain lasts (the server stops with it): the second SIGINT of a
    // terminal Ctrl-C (npm forwarding its own) lands in the middle of it.
    expect(await isTemporalServing('127.0.0.1:7233'), 'something already serves on 7233').toBe(false);
    const run = start(embeddedEnv());
    await run.ready();
    run.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 50));
    run.child.kill('SIGINT');
    const code = await exitWithin(run, 90_000);
    expect(code, run.stderr().slice(-3000)).toBe(0);
    expect(run.stderr().match(/repeated signal ignored/g)).toHaveLength(1);
    expect(run.stderr()).toContain('"msg":"Stopped: drain complete"');
    expect(run.stderr()).not.toContain('Forced exit');
  });

  it('a terminal Ctrl-C during start-up (the whole process group, embedded server included) stops it with exit 0', async () => {
    expect(await isTemporalServing('127.0.0.1:7233'), 'something already serves on 7233').toBe(false);
    // Its own process group, as a shell gives a foreground job: Ctrl-C reaches every process in it.
    const child = spawn(process.execPath, [BIN, 'start'], { env: embeddedEnv(), detached: true });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const deadline = Date.now() + 30_000;
    let devServer = '';
    while (!devServer && Date.now() < deadline) {
      devServer = (() => {
        try {
          return execFileSync('pgrep', ['-P', String(child.pid), '-f', 'start-dev']).toString().trim();
        } catch {
          return '';
        }
      })();
      if (!devServer) await new Promise((r) => setTimeout(r, 50));
    }
    expect(devServer, stderr).not.toBe('');
    expect(stderr).not.toContain('Consuming the listen queue');
    process.kill(-child.pid!, 'SIGINT');
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000);
    const code = await closed;
    clearTimeout(timer);
    // It used to report the server's exit as "could not start ... free ports 7233 and 8233", exit 1.
    expect(code, stderr.slice(-3000)).toBe(0);
    expect(stderr).toMatch(/Stopped during start-up|Stopped: drain complete/);
    expect(stderr).not.toContain('could not start');
    expect(await isTemporalServing('127.0.0.1:7233')).toBe(false);
  });

  it('stops, and says so, when its embedded server had been killed', async () => {
    expect(await isTemporalServing('127.0.0.1:7233'), 'something already serves on 7233').toBe(false);
    const run = start(embeddedEnv());
    await run.ready();
    expect(run.stderr()).toContain('Started the embedded Temporal dev server');
    const pid = Number(execFileSync('pgrep', ['-P', String(run.child.pid), '-f', 'start-dev']).toString().trim());
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 30_000;
    while (!run.stderr().includes('The embedded Temporal dev server died') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    run.child.kill('SIGINT');
    // It used to wait for ever for the 'exit' event of a server that had already exited.
    const code = await exitWithin(run, 60_000);
    expect(code, run.stderr().slice(-3000)).toBe(0);
    expect(run.stderr()).toContain('killed by SIGKILL');
    expect(run.stderr()).toContain('The embedded Temporal dev server had died before the shutdown');
    expect(run.stderr()).toContain('"msg":"Stopped: drain complete"');
  });

  it('says why its embedded server cannot start (8233 taken) and what to do, without a stack trace', async () => {
    expect(await isTemporalServing('127.0.0.1:7233'), 'something already serves on 7233').toBe(false);
    const blocker = createServer();
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen(8233, '127.0.0.1', () => resolve());
    });
    try {
      const run = start(embeddedEnv());
      const code = await exitWithin(run, 120_000);
      expect(code, run.stderr().slice(-3000)).toBe(1);
      const stderr = run.stderr();
      expect(stderr).toContain("et-connector: The embedded Temporal dev server could not start (exited with code 1): can't set UI port 8233");
      expect(stderr).toContain('address already in use');
      expect(stderr).toContain('Free ports 7233 and 8233');
      expect(stderr).toContain('set TEMPORAL_ADDRESS');
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(stderr).toContain('fake OpenCTI stopped');
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});
