/**
 * `et-connector`: the operator's command line.
 *
 *   et-connector start            worker + bridge (npm start); sandbox fakes without credentials
 *   et-connector worker           the Temporal worker only (one container of the compose file)
 *   et-connector bridge           the OpenCTI bridge only
 *   et-connector demo             three enrichments end to end against the fakes
 *   et-connector enrich --type IPv4-Addr --value 198.51.100.7 --print
 *   et-connector status <workflowId> | status --value V
 *   et-connector rerun <workflowId> | --entity <id> | --failed --since PT12H | --file <path>
 */
import { Connection } from '@temporalio/client';
import { connectTemporal } from '../temporal/connect';
import { isTemporalServing } from '../temporal/dev-server';
import { registerSearchAttributes } from '../temporal/setup';
import { runDemo } from '../app/demo';
import { runConnector, StartupInterruptedError, type RunningConnector } from '../app/run';
import { startSandbox, wantsSandbox, type Sandbox } from '../app/sandbox';
import { loadConfig } from '../config';
import { ConfigError, TemporalUnreachableError } from '../errors';
import { createLogger, setLogLevel, type Logger } from '../logger';
import { PortUnavailableError } from '../ops/health-server';
import { DevServerStartError } from '../temporal/dev-server';
import { OBSERVABLE_TYPES } from '../shared/types';
import { cliRequestProblems, EXIT, runEnrich } from './enrich';
import { runEnrichEntity } from './enrich-entity';
import { parseCommandArgs } from './ops-common';
import { runRerunCommand } from './rerun';
import { runStatusCommand } from './status';

const USAGE = `Usage: et-connector <command> [options]

Commands:
  setup                 register this connector's search attributes in TEMPORAL_NAMESPACE (a real cluster; idempotent)
  start                 run the worker and the bridge (embedded Temporal and sandbox fakes when not configured)
  worker                run the Temporal worker only
  bridge                run the OpenCTI bridge only
  demo                  run three enrichments end to end against the bundled fakes
  enrich --type T --value V [--print]
                        enrich one value now, here, without OpenCTI (T: IPv4-Addr, Domain-Name, StixFile with an MD5);
                        prints a summary, or the STIX bundle with --print
  enrich --entity <OpenCTI id> [--no-wait]
                        ask OpenCTI to enrich one of its entities with this connector now (as its Enrich button does):
                        the running connector pushes the result into OpenCTI; waits for the run's outcome
  status <workflowId> [--run <runId>] [--json]
                        what became of one enrichment run: status, outcome, trigger, observable, times, work message or failure
  status --value V [--limit N] [--json]
                        the enrichment runs of one observable value, newest first
  rerun <workflowId> [--run <runId>] [--no-wait]
                        run an enrichment again as a new workflow (trigger rerun, no work; the bundle is pushed to OpenCTI)
  rerun --entity <OpenCTI entity standard id> [--no-wait]
                        run the latest enrichment of that entity again
  rerun --failed --since <time|duration> [--until <time|duration>] [--partial] [--concurrency N] [--dry-run] [--no-wait]
                        re-run every failed (and with --partial, partial) run started in that range, e.g. --since PT12H
  rerun --file <path> [--concurrency N] [--dry-run] [--no-wait]
                        re-run one workflow id, entity id or type:value (IPv4-Addr:198.51.100.7) per line
                        any re-run of a run: --reuse-answers keeps the ET answers it got and asks ET only for the calls that failed
                        status and rerun use TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_TASK_QUEUE; re-runs are
                        executed by the connector's worker on that task queue, which must be running
`;

/**
 * Until a command installs its own drain, a signal exits at once; `exit` handlers then stop any
 * embedded Temporal server we started (src/temporal/dev-server.ts), so none is left behind.
 */
const signalExitCode = (signal: NodeJS.Signals) => (signal === 'SIGINT' ? 130 : 143);
const exitOnSignal = (signal: NodeJS.Signals) => process.exit(signalExitCode(signal));
process.on('SIGINT', exitOnSignal);
process.on('SIGTERM', exitOnSignal);

/**
 * A terminal Ctrl-C reaches both npm and node, and npm forwards its own: node gets SIGINT twice
 * within milliseconds. So a repeat within this time of the first signal is ignored; a later one is
 * the operator insisting, and forces the exit.
 */
const REPEATED_SIGNAL_GRACE_MS = 2000;

/** Replaces exit-at-once by `onFirst` for the first SIGINT/SIGTERM, with the repeat rule above. */
function installDrainSignals(logger: Logger, onFirst: (signal: NodeJS.Signals) => void): void {
  let firstAt: number | null = null;
  let toldIgnored = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstAt === null) {
      firstAt = Date.now();
      return onFirst(signal);
    }
    if (Date.now() - firstAt < REPEATED_SIGNAL_GRACE_MS) {
      if (!toldIgnored) logger.info('Already stopping: repeated signal ignored (send it again later to force the exit)', { signal });
      toldIgnored = true;
      return;
    }
    logger.warn('Forced exit: signal repeated while stopping; the drain was cut short (Temporal retries the activities that were running)', { signal });
    process.exit(signalExitCode(signal));
  };
  process.removeListener('SIGINT', exitOnSignal);
  process.removeListener('SIGTERM', exitOnSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * `start`, `worker`, `bridge`: runs until a signal (or the worker stopping), then drains. A signal
 * during start-up stops what has started and exits 0, as a signal after it does.
 */
async function runLongLived(command: 'start' | 'worker' | 'bridge', logger: Logger): Promise<number> {
  const config = loadConfig(process.env, 'connector');
  setLogLevel(config.logLevel);
  const startup = new AbortController();
  // One drain, whoever asks first (a signal, or the worker stopping on its own). The process
  // exits only once it is over: exiting as soon as the worker resolved used to cut the drain
  // short (push connection, embedded Temporal server and sandbox fakes left unclosed).
  let stop: ((reason: string) => Promise<void>) | null = null;
  installDrainSignals(logger, (signal) => {
    if (!stop) {
      logger.info('Signal during start-up: stopping what has started once the current step ends', { signal });
      startup.abort();
      return;
    }
    stop(signal).then(
      () => process.exit(EXIT.ok),
      (err) => {
        logger.error('Shutdown failed', { err });
        process.exit(EXIT.failed);
      },
    );
  });

  const roles = { worker: command !== 'bridge', bridge: command !== 'worker' };
  let sandbox: Sandbox | null = null;
  let running: RunningConnector;
  try {
    sandbox = wantsSandbox(config) ? await startSandbox(config, logger) : null;
    if (startup.signal.aborted) throw new StartupInterruptedError();
    running = await runConnector(sandbox?.config ?? config, roles, logger, { signal: startup.signal });
  } catch (err) {
    await sandbox?.stop().catch(() => undefined);
    // Once a stop was asked for, a step that fails is its consequence (a terminal's Ctrl-C also
    // reaches the embedded Temporal server, which then exits) or no longer matters: the stop stands.
    if (!(err instanceof StartupInterruptedError) && !startup.signal.aborted) throw err;
    // The failed step's own advice ("free the ports") would mislead here: name it only.
    logger.info('Stopped during start-up: everything started was stopped', err instanceof StartupInterruptedError ? {} : { interruptedStep: (err as Error)?.name });
    return EXIT.ok;
  }
  if (running.temporal.uiUrl) logger.info('Temporal Web UI', { url: running.temporal.uiUrl });
  let stopping: Promise<void> | null = null;
  stop = (reason: string) => {
    stopping ??= (async () => {
      logger.info('Stopping', { reason });
      await running.stop();
      await sandbox?.stop();
      logger.info('Stopped: drain complete', { reason });
    })();
    return stopping;
  };
  // The signal came after start-up's last check: drain now.
  if (startup.signal.aborted) {
    await stop('signal during start-up');
    return EXIT.ok;
  }
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

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const logger = createLogger({ component: 'et-connector' });
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? EXIT.ok : EXIT.usage;
  }
  switch (command) {
    case 'enrich': {
      const problems: string[] = [];
      // A mistyped option is the only thing reported: listing the options it hid as missing misleads.
      const { values } = parseCommandArgs('enrich', {
        args: rest,
        options: {
          type: { type: 'string' },
          value: { type: 'string' },
          print: { type: 'boolean' },
          entity: { type: 'string' },
          'no-wait': { type: 'boolean' },
          help: { type: 'boolean' },
        },
      });
      if (values.help) {
        process.stdout.write(USAGE);
        return EXIT.ok;
      }
      if (values.entity !== undefined) {
        // An OpenCTI entity: the platform queues the request and the running connector pushes the result.
        if (values.type || values.value || values.print) problems.push('--entity: give either --entity or --type/--value (--print is for --type/--value)');
        if (values.entity.trim() === '') problems.push('--entity: the OpenCTI id (standard id such as ipv4-addr--…, or internal id) of the entity');
        const config = loadConfig(process.env, 'platform', problems);
        setLogLevel(config.logLevel);
        const io = { out: (text: string) => process.stdout.write(`${text}\n`), err: (text: string) => process.stderr.write(`${text}\n`) };
        return runEnrichEntity(config, values.entity.trim(), { wait: values['no-wait'] !== true, startTimeoutMs: 120_000 }, io);
      }
      if (values['no-wait']) problems.push('--no-wait: only with --entity (--type/--value runs here and prints the bundle)');
      if (!values.type) problems.push(`--type: required (${OBSERVABLE_TYPES.join(', ')}), or --entity <OpenCTI id>`);
      if (!values.value) problems.push('--value: required (an IPv4 address, a domain name, or an MD5)');
      if (values.type && values.value) problems.push(...cliRequestProblems({ type: values.type, value: values.value }));
      // One message with every problem: the arguments and the configuration together.
      const config = loadConfig(process.env, 'et', problems);
      setLogLevel(config.logLevel);
      return runEnrich(config, { type: values.type!, value: values.value! }, logger, values.print === true, (text) => process.stdout.write(`${text}\n`));
    }
    case 'demo': {
      const config = loadConfig();
      setLogLevel(config.logLevel);
      return runDemo(config, logger, (line) => process.stdout.write(`${line}\n`));
    }
    case 'start':
    case 'worker':
    case 'bridge':
      return runLongLived(command, logger);
    case 'setup': {
      const config = loadConfig();
      setLogLevel(config.logLevel);
      // Only a server that keeps its namespaces is worth setting up: never a throwaway one.
      if (!config.temporalAddress && !(await isTemporalServing('127.0.0.1:7233'))) {
        throw new ConfigError(['TEMPORAL_ADDRESS: set it to your Temporal cluster (e.g. temporal:7233); no server answers on 127.0.0.1:7233']);
      }
      const temporal = await connectTemporal(config, logger);
      const connection = await Connection.connect({ address: temporal.address, connectTimeout: '15s' }).catch((err: unknown) => {
        throw new TemporalUnreachableError(temporal.address, err);
      });
      try {
        const { added, present } = await registerSearchAttributes(connection, config.temporalNamespace);
        process.stdout.write(`setup: namespace ${config.temporalNamespace}: search attributes added: ${added.join(', ') || 'none'}; already present: ${present.join(', ') || 'none'}\n`);
        return EXIT.ok;
      } finally {
        await connection.close();
        await temporal.stop();
      }
    }
    case 'status':
    case 'rerun': {
      const config = loadConfig();
      setLogLevel(config.logLevel);
      return command === 'status' ? runStatusCommand(config, rest, logger) : runRerunCommand(config, rest, logger);
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
    // Operator-facing start-up errors: the message says what to do; a stack trace would bury it.
    if (err instanceof TemporalUnreachableError || err instanceof DevServerStartError || err instanceof PortUnavailableError) {
      process.stderr.write(`et-connector: ${err.message}\n`);
      process.exit(EXIT.failed);
    }
    process.stderr.write(`et-connector: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(EXIT.failed);
  },
);
