/**
 * The README's commands through the real entry point (bin/et-connector.js), as an operator runs
 * them: the demo, and sandbox `start` stopped by SIGTERM. On the test Temporal server, so the
 * embedded one (ports 7233/8233) stays free.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

const BIN = join(__dirname, '../../bin/et-connector.js');

function env(): NodeJS.ProcessEnv {
  // Sandbox mode: no OpenCTI and no ET credentials in the environment.
  const { OPENCTI_URL: _u, OPENCTI_TOKEN: _t, PROOFPOINT_ET_API_KEY: _k, ...rest } = process.env;
  return { ...rest, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: `commands-${process.pid}-${Date.now()}` };
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
