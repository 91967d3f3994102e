/**
 * Loads the ET answer fixtures (`shared/fixtures/et-api`) for the fake ET API: which answers to give,
 * per request path and call number, in the fixture file format of `shared/fixtures/README.md`.
 *
 * Large files (the generated `big-domain` answers, ~13 MB together) are read once, on first use,
 * and their body bytes are cut straight out of the file without a JSON parse, then kept in memory.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** One answer, exactly as stored in a fixture file (or injected with `setAnswers`). */
export interface EtAnswer {
  /** HTTP status. Absent (with `delay_ms`): accept the request, never answer, close after the delay. */
  status?: number;
  /** Sent exactly (Content-Type application/json is added for a `body` when missing). */
  headers?: Record<string, string>;
  /** Sent as `JSON.stringify(body)`. */
  body?: unknown;
  /** Sent byte for byte instead of `body`. */
  raw_body?: string;
  /** Wait this long before answering (or before closing the connection when there is no status). */
  delay_ms?: number;
}

/** An answer ready to send: status and headers known, body bytes produced (and cached) on demand. */
export interface PreparedAnswer {
  status: number | undefined;
  headers: Record<string, string>;
  delayMs: number;
  body(): Buffer;
}

/** Where the fixtures live when nothing is configured: `$FIXTURES_DIR/et-api`, else the shared folder. */
export const DEFAULT_ET_FIXTURES_DIR = process.env.FIXTURES_DIR
  ? join(process.env.FIXTURES_DIR, 'et-api')
  : resolve(__dirname, '../../../../shared/fixtures/et-api');

/** Files bigger than this are loaded lazily and served from a byte slice. */
const LARGE_FILE_BYTES = 1024 * 1024;

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((h) => h.toLowerCase() === name.toLowerCase());
}

/** Turns a stored/injected answer into a {@link PreparedAnswer}. */
export function prepareAnswer(answer: EtAnswer): PreparedAnswer {
  const headers = { ...(answer.headers ?? {}) };
  let bytes: Buffer;
  if (answer.raw_body !== undefined) bytes = Buffer.from(answer.raw_body, 'utf8');
  else if (answer.body !== undefined) {
    bytes = Buffer.from(JSON.stringify(answer.body), 'utf8');
    if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/json';
  } else bytes = Buffer.alloc(0);
  return { status: answer.status, headers, delayMs: answer.delay_ms ?? 0, body: () => bytes };
}

/**
 * Cuts the `body` value out of a fixture file's bytes when it is the last key of a compact file
 * (`{"status":…,"headers":{…},"body":…}`, as `generate.mjs` writes). Undefined when the file does
 * not have that layout; the caller then parses it normally.
 */
function sliceBody(buf: Buffer): { meta: EtAnswer; body: Buffer } | undefined {
  const at = buf.indexOf('"body":');
  if (at < 0) return undefined;
  let end = buf.length - 1;
  while (end > at && (buf[end] === 0x20 || buf[end] === 0x0a || buf[end] === 0x0d || buf[end] === 0x09)) end--;
  if (buf[end] !== 0x7d /* } */) return undefined;
  const prefix = buf.subarray(0, at).toString('utf8').trimEnd();
  if (!prefix.endsWith(',')) return undefined;
  let meta: unknown;
  try {
    meta = JSON.parse(`${prefix.slice(0, -1)}}`);
  } catch {
    return undefined;
  }
  if (!meta || typeof meta !== 'object' || 'raw_body' in meta || 'body' in meta) return undefined;
  const body = buf.subarray(at + '"body":'.length, end);
  const first = body.toString('utf8', 0, Math.min(body.length, 16)).trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  return { meta: meta as EtAnswer, body };
}

/** A fixture file as a {@link PreparedAnswer}; small files are parsed now, large ones on first use. */
export function loadAnswerFile(file: string): PreparedAnswer {
  const size = statSync(file).size;
  if (size <= LARGE_FILE_BYTES) return prepareAnswer(JSON.parse(readFileSync(file, 'utf8')) as EtAnswer);

  let loaded: PreparedAnswer | undefined;
  const load = (): PreparedAnswer => {
    if (loaded) return loaded;
    const buf = readFileSync(file);
    const sliced = sliceBody(buf);
    if (sliced) {
      const headers = { ...(sliced.meta.headers ?? {}) };
      if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/json';
      const body = sliced.body;
      loaded = { status: sliced.meta.status, headers, delayMs: sliced.meta.delay_ms ?? 0, body: () => body };
    } else {
      loaded = prepareAnswer(JSON.parse(buf.toString('utf8')) as EtAnswer);
    }
    return loaded;
  };
  // Status and headers are needed at request time too, so they come from the same cached load.
  return {
    get status() {
      return load().status;
    },
    get headers() {
      return load().headers;
    },
    get delayMs() {
      return load().delayMs;
    },
    body: () => load().body(),
  };
}

interface IndexFile {
  request: string;
  call_number?: number;
  file: string;
  generated?: boolean;
}
interface FixtureIndex {
  base_path?: string;
  scenarios: Record<string, { files: IndexFile[] }>;
}

export interface LoadFixturesOptions {
  /** The `et-api` fixtures folder (holds `index.json`). */
  fixturesDir: string;
  /** Scenario folder names; default: every scenario whose files exist (generated ones only once generated). */
  scenarios?: string[];
  /** Where `big-domain/generate.mjs` wrote its output (default: next to the script). */
  bigDomainDir?: string;
}

export interface LoadedFixtures {
  basePath: string;
  scenarios: string[];
  /** Request path relative to the base path -> answers by call number (index 0 = first call). */
  answers: Map<string, PreparedAnswer[]>;
}

/** Reads `index.json` and prepares the answers of the chosen scenarios. Throws on a missing file. */
export function loadFixtures(options: LoadFixturesOptions): LoadedFixtures {
  const index = JSON.parse(readFileSync(join(options.fixturesDir, 'index.json'), 'utf8')) as FixtureIndex;
  const basePath = index.base_path ?? '/v1/';
  const dirOf = (name: string, f: IndexFile) =>
    f.generated ? (name === 'big-domain' && options.bigDomainDir ? options.bigDomainDir : join(options.fixturesDir, name)) : join(options.fixturesDir, name);
  const available = (name: string) => (index.scenarios[name]?.files ?? []).every((f) => !f.generated || existsSync(join(dirOf(name, f), f.file)));

  const chosen = options.scenarios ?? Object.keys(index.scenarios).filter(available);
  const answers = new Map<string, PreparedAnswer[]>();
  for (const name of chosen) {
    const scenario = index.scenarios[name];
    if (!scenario) throw new Error(`Unknown ET fixture scenario "${name}" (see ${join(options.fixturesDir, 'index.json')})`);
    for (const f of scenario.files) {
      const file = join(dirOf(name, f), f.file);
      if (!existsSync(file)) {
        const hint = f.generated ? `; generate it with: node ${join(options.fixturesDir, name, 'generate.mjs')} <dir> and pass that dir` : '';
        throw new Error(`ET fixture file missing: ${file}${hint}`);
      }
      const target = f.request.replace(/^GET /, '');
      const path = target.startsWith(basePath) ? target.slice(basePath.length) : target;
      const list = answers.get(path) ?? [];
      list[(f.call_number ?? 1) - 1] = loadAnswerFile(file);
      answers.set(path, list);
    }
  }
  for (const [path, list] of answers) {
    // A plain loop: `some` would skip the holes of a sparse array.
    for (let i = 0; i < list.length; i++) if (list[i] === undefined) throw new Error(`ET fixtures for ${path} skip a call number`);
  }
  return { basePath, scenarios: chosen, answers };
}
