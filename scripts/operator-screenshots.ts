/**
 * `npm run docs:screenshots`: docs/operator-stations.png and docs/operator-station.png, taken in
 * Debian's Chromium (CHROMIUM_PATH overrides /usr/bin/chromium) from a CSMS like `ocpp-actors serve`'s
 * with the simulator's stations (1.6 and 2.0.1) charging against it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { createCsms } from '../src/actors/csms.js';
import { registerDefaultHandlers } from '../src/actors/default-handlers.js';
import { operatorPage } from '../src/operator/index.js';
import { metricsPlugin } from '../src/plugins/metrics.js';
import { runSimulation } from '../src/sim/index.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
const token = 'screenshot-token-0123456789';
const metrics = metricsPlugin({ intervalMs: 0 });
const csms = registerDefaultHandlers(
  createCsms({
    connectionRateLimit: false,
    plugins: [metrics, operatorPage({ token, metrics, fleetSampleMs: 1_000 })],
  }),
);
const { port } = await csms.listen({ port: 0, host: '127.0.0.1' });
const abort = new AbortController();
const sim = (protocol: 'ocpp1.6' | 'ocpp2.0.1', stations: number, identityPrefix: string) =>
  runSimulation({
    url: `ws://127.0.0.1:${port}`,
    stations,
    protocol,
    identityPrefix,
    idleS: 2,
    chargeDurationS: 8,
    meterIntervalS: 2,
    signal: abort.signal,
  });
const runs = [sim('ocpp1.6', 140, 'CP-16-'), sim('ocpp2.0.1', 60, 'CP-201-')];
while (csms.connectedCount < 200) await new Promise((r) => setTimeout(r, 100));
// A station that never boots, one that leaves: the list shows every state, not only the happy one.
const { connectStation } = await import('../test/support/station-socket.js');
const silent = await connectStation(`ws://127.0.0.1:${port}`, 'CP-0-SILENT', { protocols: ['ocpp1.6'] });
const gone = await connectStation(`ws://127.0.0.1:${port}`, 'CP-0-GONE', { protocols: ['ocpp1.6'] });
await gone.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
await gone.close();

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  mkdirSync('docs', { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1400, height: 820 }, deviceScaleFactor: 1 });
  await page.goto(`http://127.0.0.1:${port}/ops/#token=${token}`);
  await page.locator('[data-identity="CP-16-0001"]').waitFor();
  // Long enough for "last message" and transactions to fill in.
  await page.waitForTimeout(6_000);
  await page.screenshot({ path: 'docs/operator-stations.png' });

  await page.evaluate(() => {
    (globalThis as unknown as { location: { hash: string } }).location.hash = '#/station/CP-201-0003';
  });
  await page.locator('figure[data-machine="station"] g.active').first().waitFor();
  await page.selectOption('#command-action', 'GetVariables');
  await page.fill('input[name="getVariableData[0].component.name"]', 'OCPPCommCtrlr');
  await page.fill('input[name="getVariableData[0].variable.name"]', 'HeartbeatInterval');
  await page.click('#command-send');
  await page.locator('#call-result:not(.pending)').waitFor();
  await page.waitForTimeout(4_000);
  await page.setViewportSize({ width: 1400, height: 1400 });
  // Sending scrolled the form into view: the picture starts at the top of the station's page.
  await page.locator('main').evaluate((el) => el.scrollTo(0, 0));
  await page.screenshot({ path: 'docs/operator-station.png' });
  console.log('docs/operator-stations.png, docs/operator-station.png');
} finally {
  await browser.close();
  abort.abort();
  await Promise.allSettled(runs);
  await silent.close();
  await csms.close({ drainMs: 0 });
}
