/**
 * Produces docs/web-ui-by-observable.png, the README's picture of Temporal Web UI listing the
 * enrichment runs of one observable (filtered by the EtObservableValue search attribute).
 *
 * Runs everything on loopback: a Temporal dev server with its UI, the sandbox fakes, the worker
 * and the bridge; enriches 198.51.100.7 twice (manual, then automatic), then opens the UI in
 * Debian's headless Chromium (`apt-get install chromium`) through playwright-core.
 *
 *   npx tsx scripts/screenshot-web-ui.ts [output.png]
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import { runConnector } from '../src/app/run';
import { startSandbox } from '../src/app/sandbox';
import { entityFor } from '../src/cli/enrich';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { TLP_MARKING_IDS } from '../src/shared/tlp';
import { freePort, startDevServer } from '../src/temporal/dev-server';

const VALUE = '198.51.100.7';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function main(): Promise<void> {
  const out = process.argv[2] ?? join(__dirname, '../docs/web-ui-by-observable.png');
  const logger = createLogger({ component: 'screenshot' }, () => undefined);
  const uiPort = await freePort();
  const temporal = await startDevServer({ uiPort });
  const base = loadConfig({ TEMPORAL_ADDRESS: temporal.address });
  const sandbox = await startSandbox(base, logger);
  const running = await runConnector(sandbox.config, { worker: true, bridge: true }, logger);
  try {
    const entity = { ...entityFor('IPv4-Addr', VALUE), object_marking_refs: [TLP_MARKING_IDS['TLP:GREEN']] };
    for (const mode of ['manual', 'auto'] as const) {
      const workId = await sandbox.opencti.askEnrichment(base.connectorId, { entityId: entity.id, entityType: 'IPv4-Addr', stixEntity: entity }, mode);
      await sandbox.opencti.waitForWork(workId, (w) => w.status === 'complete' && w.processed_time !== null, 60_000);
    }
    await new Promise((r) => setTimeout(r, 2000)); // let the runs close and visibility catch up

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 400 } });
      const query = encodeURIComponent(`EtObservableValue="${VALUE}"`);
      await page.goto(`http://127.0.0.1:${uiPort}/namespaces/default/workflows?query=${query}`, { waitUntil: 'networkidle' });
      await page.getByText('enrichObservable').first().waitFor({ timeout: 30_000 });
      mkdirSync(dirname(out), { recursive: true });
      await page.screenshot({ path: out });
      process.stdout.write(`screenshot written to ${out}\n`);
    } finally {
      await browser.close();
    }
  } finally {
    await running.stop();
    await sandbox.stop();
    await temporal.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
