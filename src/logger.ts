/**
 * Structured JSON logger for code outside the Temporal sandbox (bridge, worker entry, fakes, CLI).
 * One line per event on stderr: a static message plus a metadata object, as OpenCTI connectors log.
 * Registered secrets are replaced by `[REDACTED]` wherever they appear in a line.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const secrets = new Set<string>();

/** Registers a secret (API key, token, password) so it never appears in any log line. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) secrets.add(value);
}

/** Replaces every registered secret in a text. */
export function redact(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[REDACTED]');
  return out;
}

export interface Logger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

/**
 * An Error as JSON: its name and message (which JSON.stringify drops) and, a few levels deep, its
 * cause, where SDK wrappers ("Failed to start Workflow", "Activity task failed") keep the reason.
 */
export function serialiseError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err;
  const out: Record<string, unknown> = { name: err.name, message: err.message };
  const type = (err as { type?: unknown }).type;
  if (typeof type === 'string') out.type = type;
  if (err.cause !== undefined && depth < 3) out.cause = serialiseError(err.cause, depth + 1);
  return out;
}

/** Log fields with every Error in them made readable (see serialiseError). */
export function serialiseErrors(meta: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(meta).map(([k, v]) => [k, v instanceof Error ? serialiseError(v) : v]));
}

/** The level named by a CONNECTOR_LOG_LEVEL value, case-insensitively (pycti lower-cases it); else info. */
export function logLevelOf(text: string | undefined): LogLevel {
  const level = text?.trim().toLowerCase();
  if (level === 'warning') return 'warn';
  return level && Object.hasOwn(RANK, level) ? (level as LogLevel) : 'info';
}

// Until the configuration is loaded (setLogLevel), the raw variable decides.
let globalLevel: LogLevel = logLevelOf(process.env.CONNECTOR_LOG_LEVEL);
export function setLogLevel(level: LogLevel): void {
  globalLevel = level;
}

export function createLogger(bindings: Record<string, unknown> = {}, write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Logger {
  const log = (level: LogLevel, message: string, meta: Record<string, unknown> = {}) => {
    if (RANK[level] < (RANK[globalLevel] ?? RANK.info)) return;
    const fields: Record<string, unknown> = { ts: new Date().toISOString(), level, msg: message, ...bindings };
    for (const [k, v] of Object.entries(meta)) fields[k] = k === 'err' || v instanceof Error ? serialiseError(v) : v;
    write(redact(JSON.stringify(fields)));
  };
  return {
    debug: (m, meta) => log('debug', m, meta),
    info: (m, meta) => log('info', m, meta),
    warn: (m, meta) => log('warn', m, meta),
    error: (m, meta) => log('error', m, meta),
    child: (more) => createLogger({ ...bindings, ...more }, write),
  };
}
