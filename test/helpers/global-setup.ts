/**
 * Starts one real Temporal dev server (the CLI built by scripts/services.sh) for the end-to-end
 * tests, and checks that the real RabbitMQ broker answers. Nothing here is mocked.
 */
import { connect } from 'amqplib';
import type { TestProject } from 'vitest/node';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';

let server: DevServer | undefined;

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

export async function setup(project: TestProject): Promise<void> {
  const conn = await connect('amqp://guest:guest@127.0.0.1:5672').catch((err: Error) => {
    throw new Error(`RabbitMQ is not running on 127.0.0.1:5672 (${err.message}); run \`npm run services\` first`);
  });
  await conn.close();
  server = await startDevServer({ startupTimeoutMs: 120_000 });
  project.provide('temporalAddress', server.address);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
