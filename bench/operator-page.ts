/**
 * `npm run bench:ops-page`: is the stations list fluent with 10,000 stations? A CSMS with the operator page
 * in this process, the simulator's stations in a child process (`ocpp-actors simulate`, one process each side
 * keeps both under the 20,000-descriptor limit), Debian's Chromium with the page open. Prints how long until
 * the list shows every station, and the frame intervals while the list scrolls from top to bottom and while
 * a search filters it, as the browser saw them (requestAnimationFrame).
 * Usage: npm run bench:ops-page [-- stations=10000 scrollSeconds=5]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { createCsms } from '../src/actors/csms.js';
import { registerDefaultHandlers } from '../src/actors/default-handlers.js';
import { operatorPage } from '../src/operator/index.js';
import { metricsPlugin } from '../src/plugins/metrics.js';

const stations = Number(process.argv[2] ?? 10_000);
const scrollSeconds = Number(process.argv[3] ?? 5);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);

const token = 'bench-token-0123456789abcdef';
const metrics = metricsPlugin({ intervalMs: 0 });
const csms = registerDefaultHandlers(
  createCsms({
    connectionRateLimit: false,
    maxPendingHandshakes: 20_000,
    plugins: [metrics, operatorPage({ token, metrics })],
  }),
);
const { port } = await csms.listen({ port: 0, host: '127.0.0.1' });
const sim = spawn(
  process.execPath,
  [
    'dist/cli/main.js',
    'simulate',
    '--url',
    `ws://127.0.0.1:${port}`,
    '--stations',
    String(stations),
    '--ramp',
    '2000',
    '--idle',
    '30',
    '--meter-interval',
    '30',
  ],
  { stdio: 'ignore' },
);
const started = Date.now();
while (csms.connectedCount < stations) {
  if (Date.now() - started > 120_000) throw new Error(`only ${csms.connectedCount} stations connected`);
  await new Promise((r) => setTimeout(r, 200));
}
console.log(`${stations} stations connected in ${((Date.now() - started) / 1000).toFixed(1)} s`);

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
type Frames = { count: number; p50: number; p95: number; max: number };
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const t0 = Date.now();
  await page.goto(`http://127.0.0.1:${port}/ops/#token=${token}`);
  const want = `${stations.toLocaleString('en-US')} connected`;
  await page.locator('#summary', { hasText: want }).waitFor({ timeout: 60_000 });
  console.log(`page load to every station listed: ${Date.now() - t0} ms`);

  // Runs in the page: scroll a fixed distance per frame (or type a new search every 10th frame) and record
  // every frame's interval. A string, so that the TypeScript loader's helpers do not end up in the page.
  const IN_PAGE = `async ({ seconds, search }) => {
    const vp = document.getElementById('stations');
    const input = document.querySelector('input[type=search]');
    const gaps = [];
    let last = 0;
    let i = 0;
    const end = performance.now() + seconds * 1000;
    await new Promise((resolve) => {
      const frame = (t) => {
        if (last) gaps.push(t - last);
        last = t;
        if (search) {
          if (i++ % 10 === 0) {
            input.value = 'SIM-' + String(i % 1000).padStart(3, '0');
            input.dispatchEvent(new Event('input'));
          }
        } else {
          vp.scrollTop = (vp.scrollTop + 400) % Math.max(1, vp.scrollHeight - vp.clientHeight);
        }
        if (t < end) requestAnimationFrame(frame);
        else resolve();
      };
      requestAnimationFrame(frame);
    });
    input.value = '';
    input.dispatchEvent(new Event('input'));
    gaps.sort((a, b) => a - b);
    const q = (p) => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))] ?? 0;
    return { count: gaps.length, p50: q(0.5), p95: q(0.95), max: gaps[gaps.length - 1] ?? 0 };
  }`;
  const measure = (seconds: number, search: boolean): Promise<Frames> =>
    page.evaluate(`(${IN_PAGE})(${JSON.stringify({ seconds, search })})`);
  const show = (what: string, f: Frames) =>
    console.log(
      `${what}: ${f.count} frames, interval p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, max ${f.max.toFixed(1)} ms`,
    );
  show(`scrolling ${stations} stations`, await measure(scrollSeconds, false));
  show('typing searches', await measure(scrollSeconds, true));
} finally {
  await browser.close();
  sim.kill('SIGTERM');
  await csms.close({ drainMs: 0 });
}
