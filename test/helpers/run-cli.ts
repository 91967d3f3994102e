/**
 * Runs `et-connector` as an operator would: a child process with a bare environment (no config.yml,
 * none of the test runner's variables) plus what the test passes. E2E_DEBUG=1 echoes each run.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const CLI_BIN = join(__dirname, '../../bin/et-connector.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', CONFIG_FILE: '/dev/null', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      if (process.env.E2E_DEBUG) process.stderr.write(`$ et-connector ${args.join(' ')}\n${stdout}${stderr}(exit ${code})\n`);
      resolve({ code, stdout, stderr });
    });
  });
}
