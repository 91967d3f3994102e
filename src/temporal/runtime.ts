/**
 * Installs the Temporal runtime once per process, with the SDK's logs (workflow `log`, activity
 * `log`, core) forwarded to our JSON logger on stderr, so stdout stays free (the CLI prints bundles).
 */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { redact, type LogLevel as OurLevel } from '../logger';

const TO_TEMPORAL: Record<OurLevel, LogLevel> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

let installed = false;

export function installRuntime(level: OurLevel): void {
  if (installed) return;
  installed = true;
  Runtime.install({
    logger: new DefaultLogger(TO_TEMPORAL[level], (entry) => {
      const { level: lvl, message, meta } = entry;
      process.stderr.write(`${redact(JSON.stringify({ ts: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(), level: lvl.toLowerCase(), msg: message, ...(meta ?? {}) }))}\n`);
    }),
    shutdownSignals: [],
  });
}
