/**
 * The Dockerfile and its build context, checked offline (no Docker engine here): a supported Node
 * LTS on glibc, a context that never carries local state or secrets, and a workflow bundle cache
 * the unprivileged user can use, filled by a build step that really works.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLE_CACHE_DIR } from '../../../src/worker';

const ROOT = join(__dirname, '../../..');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const lines = dockerfile.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

describe('Dockerfile', () => {
  it('runs on Node 24 LTS, Debian bookworm slim (glibc, for the Temporal core), pinned to a minor', () => {
    expect(lines[0]).toMatch(/^FROM node:24\.\d+-bookworm-slim$/);
  });

  it('runs as the unprivileged node user, with the workflow bundle cache created and owned by it first', () => {
    const cache = relative(ROOT, BUNDLE_CACHE_DIR);
    expect(cache).toBe('.data/workflow-bundles');
    const mkdir = lines.findIndex((l) => l.includes(`mkdir -p ${cache}`) && l.includes('chown -R node:node .data'));
    const user = lines.indexOf('USER node');
    expect(mkdir, 'creates the cache for node').toBeGreaterThan(0);
    expect(user).toBeGreaterThan(mkdir);
    expect(lines.at(-2)).toBe('ENTRYPOINT ["node", "bin/et-connector.js"]');
  });

  it("its bundle step fills the cache the worker reads, in a copy laid out like the image's /opt/connector", { timeout: 180_000 }, () => {
    const run = lines.find((l) => l.startsWith('RUN node -e '));
    expect(run).toBeDefined();
    const script = /^RUN node -e "(.*)"$/.exec(run!)?.[1];
    expect(script).toBeDefined();
    const app = mkdtempSync(join(tmpdir(), 'et-image-'));
    try {
      for (const entry of ['package.json', 'bin', 'src', 'tsconfig.json']) cpSync(join(ROOT, entry), join(app, entry), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));
      execFileSync(process.execPath, ['-e', script!], { cwd: app, env: { ...process.env, NODE_ENV: 'production' }, stdio: 'pipe', timeout: 170_000 });
      const cache = join(app, '.data', 'workflow-bundles');
      expect(existsSync(cache)).toBe(true);
      expect(readdirSync(cache).filter((f) => /^[0-9a-f]{16}\.js$/.test(f))).toHaveLength(1);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });
});

describe('.dockerignore', () => {
  it('keeps local state, secrets and build/test output out of the build context', () => {
    for (const entry of ['.git', 'node_modules', '.tools', '.data', 'lib', '*.log', 'config.yml', '.env', 'coverage']) expect(ignored, entry).toContain(entry);
  });

  it('keeps what the Dockerfile copies', () => {
    const copied = lines.filter((l) => l.startsWith('COPY ')).flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(copied.sort()).toEqual(['bin', 'package-lock.json', 'package.json', 'src', 'tsconfig.json']);
    for (const entry of copied) expect(ignored, entry).not.toContain(entry);
  });
});
