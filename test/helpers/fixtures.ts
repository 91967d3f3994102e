/**
 * Access to the shared, read-only fixture set (`shared/fixtures`, see its README). Tests read the
 * files in place; never copy them into the repo. `SHARED_DIR` points at another shared/ folder
 * (fixtures and STIX schemas), `FIXTURES_DIR` at another fixture set alone.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The shared/ folder beside the clone (locally and in CI): fixtures and the OASIS STIX schemas. */
export const SHARED_DIR = process.env.SHARED_DIR ?? path.resolve(__dirname, '../../../shared');
/** Root of the fixture set (holds `et-api/`, `opencti/`, `expected/`). */
export const FIXTURES_DIR = process.env.FIXTURES_DIR ?? path.join(SHARED_DIR, 'fixtures');
/** The ET answers folder, as `startFakeEtApi({ fixturesDir })` wants it. */
export const ET_FIXTURES_DIR = path.join(FIXTURES_DIR, 'et-api');

/** The key the fixtures expect in `Authorization` (raw, no `Bearer`). */
export const ET_API_KEY = 'fixture-et-api-key-7f3c';
/** The fixtures' "now": inject it, never read the wall clock in tests. */
export const REFERENCE_NOW = new Date('2026-08-20T12:00:00Z');
/** The default last-seen window (P30D) in milliseconds. */
export const WINDOW_MS = 30 * 86_400_000;

/** A listen-queue message body, byte-exact (`opencti/messages/<name>`). */
export function readMessage(name: string): Buffer {
  return readFileSync(path.join(FIXTURES_DIR, 'opencti', 'messages', name));
}

/** An expectation file (`expected/<name>`; `.json` may be left out), parsed. */
export function readExpected<T = unknown>(name: string): T {
  const file = name.endsWith('.json') ? name : `${name}.json`;
  return JSON.parse(readFileSync(path.join(FIXTURES_DIR, 'expected', file), 'utf8')) as T;
}

/** A GraphQL body (`opencti/graphql/<name>`; `.json` may be left out), parsed. */
export function readGraphql<T = unknown>(name: string): T {
  const file = name.endsWith('.json') ? name : `${name}.json`;
  return JSON.parse(readFileSync(path.join(FIXTURES_DIR, 'opencti', 'graphql', file), 'utf8')) as T;
}

/** One stored ET answer (`et-api/<scenario>/<file>`), parsed: `{status, headers, body, ...}`. */
export function readEtAnswer<T = { status?: number; headers?: Record<string, string>; body?: unknown }>(scenario: string, file: string): T {
  return JSON.parse(readFileSync(path.join(ET_FIXTURES_DIR, scenario, file), 'utf8')) as T;
}

export interface EtFixtureIndex {
  reference_now: string;
  import_last_seen_time_window: string;
  last_seen_on_or_after: string;
  api_key: string;
  base_path: string;
  scenarios: Record<
    string,
    {
      description: string;
      observable: { type: string; value: string; api_value?: string };
      messages: string[];
      files: Array<{ request: string; call_number?: number; file: string; status?: number; generated?: boolean }>;
    }
  >;
}

/** `et-api/index.json`, parsed. */
export function readEtIndex(): EtFixtureIndex {
  return JSON.parse(readFileSync(path.join(ET_FIXTURES_DIR, 'index.json'), 'utf8')) as EtFixtureIndex;
}
