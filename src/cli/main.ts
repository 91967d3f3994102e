/**
 * `et-connector`: the operator's command line.
 *
 *   et-connector start            worker + bridge (npm start); sandbox fakes without credentials
 *   et-connector worker           the Temporal worker only (one container of the compose file)
 *   et-connector bridge           the OpenCTI bridge only
 *   et-connector demo             three enrichments end to end against the fakes
 *   et-connector enrich --type IPv4-Addr --value 198.51.100.7 --print
 */
import { parseArgs } from 'node:util';
import { runDemo } from '../app/demo';
import { runConnector } from '../app/run';
import { startSandbox, wantsSandbox } from '../app/sandbox';
import { loadConfig } from '../config';
import { ConfigError } from '../errors';
import { createLogger, setLogLevel } from '../logger';
import { EXIT, runEnrich } from './enrich';

const USAGE = `Usage: et-connector <command> [options]

Commands:
  start                 run the worker and the bridge (embedded Temporal and sandbox fakes when not configured)
  worker                run the Temporal worker only
  bridge                run the OpenCTI bridge only
  demo                  run three enrichments end to end against the bundled fakes
  enrich --type T --value V [--print]
                        enrich one value now (T: IPv4-Addr, Domain-Name, StixFile with an MD5) and print the STIX bundle
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const logger = createLogger({ component: 'et-connector' });
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? EXIT.ok : EXIT.usage;
  }
  const config = loadConfig();
  setLogLevel(config.logLevel);

  switch (command) {
    case 'enrich': {
      const { values } = parseArgs({ args: rest, options: { type: { type: 'string' }, value: { type: 'string' }, print: { type: 'boolean' } } });
      if (!values.type || !values.value) throw new ConfigError(['enrich needs --type and --value']);
      return runEnrich(config, { type: values.type, value: values.value }, logger, (text) => {
        // The bundle is the command's output; logs stay on stderr.
        if (values.print !== false) process.stdout.write(`${text}\n`);
      });
    }
    case 'demo':
      return runDemo(config, logger, (line) => process.stdout.write(`${line}\n`));
    case 'start':
    case 'worker':
    case 'bridge': {
      const sandbox = wantsSandbox(config) ? await startSandbox(config, logger) : null;
      const roles = { worker: command !== 'bridge', bridge: command !== 'worker' };
      const running = await runConnector(sandbox?.config ?? config, roles, logger);
      if (running.temporal.uiUrl) logger.info('Temporal Web UI', { url: running.temporal.uiUrl });
      // One drain, whoever asks first (a signal, or the worker stopping on its own). The process
      // exits only once it is over: exiting as soon as the worker resolved used to cut the drain
      // short (push connection, embedded Temporal server and sandbox fakes left unclosed).
      let stopping: Promise<void> | null = null;
      const stop = (reason: string) => {
        stopping ??= (async () => {
          logger.info('Stopping', { reason });
          await running.stop();
          await sandbox?.stop();
        })();
        return stopping;
      };
      const onSignal = (signal: NodeJS.Signals) => {
        stop(signal).then(
          () => process.exit(EXIT.ok),
          (err) => {
            logger.error('Shutdown failed', { err });
            process.exit(EXIT.failed);
          },
        );
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await (roles.worker ? running.done : new Promise(() => undefined));
      } catch (err) {
        // The worker failed (e.g. lost its Temporal namespace): stop the rest and exit non-zero, so a
        // supervisor restarts the process instead of leaving a bridge feeding a queue nobody polls.
        logger.error('The worker stopped with an error; shutting down', { err });
        await stop('worker failed').catch(() => undefined);
        return EXIT.failed;
      }
      await stop('worker stopped');
      return EXIT.ok;
    }
    default:
      process.stderr.write(`Unknown command: ${command}\n\n${USAGE}`);
      return EXIT.usage;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(EXIT.usage);
    }
    process.stderr.write(`et-connector: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(EXIT.failed);
  },
);
