/**
 * Test-side workaround for a limitation of the fake OpenCTI (src/fakes/opencti/broker.ts): its
 * `FakeBroker` opens ONE AMQP connection at start and never re-opens it. After a broker restart
 * every operation that needs the broker fails for good with `IllegalOperationError: Connection
 * closed (... 320 CONNECTION_FORCED ...)`: `publishRequest`, `registerConnector` and
 * `pingConnector` (both re-declare the topology on a channel first, so they answer
 * INTERNAL_SERVER_ERROR to the connector), `stixBundlePush`, and the worker simulation's push-queue
 * consumer is gone (bundles are no longer "imported").
 *
 * This patch, installed before `startFakeOpenCti`, makes each FakeBroker re-open its connection
 * after an unexpected close (swapping its private `connection` and dropping its cached publisher
 * channel). The worker simulation then re-creates its push consumer by itself on the next
 * `registerConnector`/`pingConnector` (`ensureConsumer` skips only live consumers). It reaches
 * into private fields on purpose: the proper fix belongs in FakeBroker (see the chaos test report).
 */
import { connect, type ChannelModel } from 'amqplib';
import { FakeBroker } from '../../src/fakes/opencti/broker';
import type { Logger } from '../../src/logger';

interface FakeBrokerInternals {
  connection: ChannelModel;
  publisher: Promise<unknown> | null;
  closing: boolean;
}

export interface BrokerReconnectStats {
  closes: number;
  reconnects: number;
}

/** Installs the patch; returns its counters and a function that removes it. */
export function makeFakeBrokerReconnect(): { stats: BrokerReconnectStats; uninstall: () => void } {
  const original = FakeBroker.connect;
  const stats: BrokerReconnectStats = { closes: 0, reconnects: 0 };
  const patched = async (amqpUrl: string, logger: Logger): Promise<FakeBroker> => {
    const broker = await original.call(FakeBroker, amqpUrl, logger);
    const inner = broker as unknown as FakeBrokerInternals;
    const watch = (conn: ChannelModel) => {
      conn.once('close', () => {
        if (inner.closing || inner.connection !== conn) return;
        stats.closes += 1;
        void (async () => {
          for (let attempt = 1; !inner.closing; attempt++) {
            await new Promise((r) => setTimeout(r, Math.min(2000, 250 * attempt)));
            if (inner.closing) return;
            try {
              const next = await connect(amqpUrl);
              if (inner.closing) {
                await next.close().catch(() => undefined);
                return;
              }
              next.on('error', (err: Error) => logger.warn('fake OpenCTI broker connection error', { err }));
              inner.connection = next;
              inner.publisher = null;
              stats.reconnects += 1;
              logger.info('fake OpenCTI broker connection re-opened (test patch)', { attempt });
              watch(next);
              return;
            } catch {
              // Broker still down: try again.
            }
          }
        })();
      });
    };
    watch(inner.connection);
    return broker;
  };
  FakeBroker.connect = patched;
  return {
    stats,
    uninstall: () => {
      FakeBroker.connect = original;
    },
  };
}
