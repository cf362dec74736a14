import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStation, type Station } from '../../src/client/index.js';
import type { OcppPlugin } from '../../src/hooks/types.js';
import { diagrams, operatorPage } from '../../src/operator/index.js';
import { metricsPlugin } from '../../src/plugins/metrics.js';
import { piiRedactorPlugin } from '../../src/plugins/pii-redactor.js';
import { cleanup, startCsms } from '../runtime/harness.js';
import { connectStation, type StationSocket } from '../support/station-socket.js';
import { launchChromium } from './browser.js';

const TOKEN = 'browser-test-token-0123456789';
let browser: Browser;
const stations: { close(): Promise<unknown> }[] = [];
const sockets: StationSocket[] = [];
const pages: Page[] = [];

beforeAll(async () => {
  // Laid out by elkjs here (from the sources there is no build's layout): once, before any page waits.
  [browser] = await Promise.all([launchChromium(), diagrams()]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await Promise.all(pages.splice(0).map((p) => p.close()));
  await Promise.all(stations.splice(0).map((s) => s.close()));
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await cleanup();
});

async function setup(options: { pii?: boolean; rateLimit?: false; fleetSampleMs?: number } = {}) {
  const metrics = metricsPlugin({ intervalMs: 0 });
  const page = operatorPage({
    token: TOKEN,
    metrics,
    listIntervalMs: 100,
    ...(options.fleetSampleMs && { fleetSampleMs: options.fleetSampleMs }),
  });
  const plugins: OcppPlugin[] = [page, metrics];
  if (options.pii) plugins.push(piiRedactorPlugin());
  const t = await startCsms({
    plugins,
    ...(options.rateLimit === false && { connectionRateLimit: false as const }),
  });
  const pageUrl = `${t.url.replace('ws://', 'http://')}/ops/`;
  const station = async (identity: string, protocol: 'ocpp1.6' | 'ocpp2.0.1' = 'ocpp1.6', boot = true) => {
    const s = createStation({ url: t.url, identity, protocols: [protocol] });
    stations.push(s);
    await s.connect();
    if (boot) {
      const answer =
        protocol === 'ocpp1.6'
          ? await (s as Station<'ocpp1.6'>).call('BootNotification', {
              chargePointVendor: 'V',
              chargePointModel: 'M',
            })
          : await (s as Station<'ocpp2.0.1'>).call('BootNotification', {
              reason: 'PowerUp',
              chargingStation: { vendorName: 'V', model: 'M' },
            });
      expect(answer.status).toBe('Accepted');
    }
    return s;
  };
  const open = async (hash = '') => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    pages.push(page);
    await page.goto(`${pageUrl}#token=${TOKEN}`);
    await page.locator('#conn-state', { hasText: 'live' }).waitFor();
    // Runs in the page (a browser global, not Node's).
    if (hash)
      await page.evaluate(
        (h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h),
        hash,
      );
    return page;
  };
  return { t, station, open, pageUrl };
}

// A browser on a shared 2-core machine is slow to start pages: generous bounds, never sleeps.
describe('operator page in Chromium', { timeout: 60_000 }, () => {
  it('lists the stations a test connects, live, and filters them by search and state', async () => {
    const { station, open, t } = await setup();
    await station('CP-LIST-1');
    const page = await open();
    await page.locator('[data-identity="CP-LIST-1"]').waitFor();
    await station('CP-LIST-2', 'ocpp2.0.1');
    const raw = await connectStation(t.url, 'CP-LIST-RAW', { protocols: ['ocpp1.6'] }); // connected, never booted
    sockets.push(raw);
    const row2 = page.locator('[data-identity="CP-LIST-2"]');
    await row2.locator('.c-reg', { hasText: 'accepted' }).waitFor();
    await expect(row2.locator('.c-proto').textContent()).resolves.toBe('2.0.1');
    await page.locator('[data-identity="CP-LIST-RAW"] .c-reg', { hasText: 'unregistered' }).waitFor();

    await page.fill('#search', 'list-2');
    await page.locator('[data-identity="CP-LIST-1"]').waitFor({ state: 'detached' });
    await expect(page.locator('.rows .row').count()).resolves.toBe(1);
    await page.fill('#search', '');
    await page.selectOption('#filter', 'unregistered');
    await page.locator('[data-identity="CP-LIST-1"]').waitFor({ state: 'detached' });
    await expect(page.locator('.rows .row').count()).resolves.toBe(1);
    await page.locator('[data-identity="CP-LIST-RAW"]').waitFor();

    // A disconnect shows without a reload.
    await page.selectOption('#filter', 'all');
    await raw.close();
    await page.locator('[data-identity="CP-LIST-RAW"] .c-conn', { hasText: 'closed' }).waitFor();
  });

  it("draws a station's statecharts and lights `accepted` once it has booted", async () => {
    const { station, open } = await setup();
    const s = await station('CP-DIAG', 'ocpp1.6', false);
    const page = await open('#/station/CP-DIAG');
    const state = (id: string) => page.locator(`figure[data-machine="station"] g[data-state-id="${id}"]`);
    await state('station.registration.unregistered').and(page.locator('.active')).waitFor();
    await expect(state('station.registration.accepted').getAttribute('class')).resolves.not.toContain(
      'active',
    );
    await expect(state('station.connection.open').getAttribute('class')).resolves.toContain('active');
    // Drawn from the definitions: every machine the CSMS runs, with its transitions and guards.
    await expect(page.locator('figure.machine').count()).resolves.toBeGreaterThanOrEqual(3);
    await expect(
      page.locator('figure[data-machine="breaker"] g[data-state-id="breaker.halfOpen.probing"]').count(),
    ).resolves.toBe(1);
    await expect(
      page
        .locator('figure[data-machine="station"] .edge-label', { hasText: 'bootStatusIs(Accepted)' })
        .count(),
    ).resolves.toBe(1);

    await (s as Station<'ocpp1.6'>).call('BootNotification', {
      chargePointVendor: 'V',
      chargePointModel: 'M',
    });
    await state('station.registration.accepted').and(page.locator('.active')).waitFor();
    await expect(state('station.registration.unregistered').getAttribute('class')).resolves.not.toContain(
      'active',
    );
    // And the message log shows the boot, both ways.
    await page.locator('#log tr', { hasText: 'BootNotification' }).first().waitFor();
    await expect(page.locator('#log tr.dir-OUT', { hasText: 'Accepted' }).count()).resolves.toBeGreaterThan(
      0,
    );
  });

  it('sends a command from the form; it reaches the station and its answer shows', async () => {
    const { station, open } = await setup();
    const s = (await station('CP-CMD')) as Station<'ocpp1.6'>;
    const received: unknown[] = [];
    s.handle('Reset', ({ payload }) => {
      received.push(payload);
      return { status: 'Rejected' };
    });
    s.handle('GetConfiguration', ({ payload }) => {
      received.push(payload);
      return { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }] };
    });
    const page = await open('#/station/CP-CMD');
    await page.locator('#command-action').waitFor();
    await page.selectOption('#command-action', 'Reset');
    await page.selectOption('select[name="type"]', 'Hard');
    await page.click('#command-send');
    await page.locator('#call-result.ok', { hasText: 'Rejected' }).waitFor();
    expect(received).toEqual([{ type: 'Hard' }]);

    await page.selectOption('#command-action', 'GetConfiguration');
    await page.click('#command-send');
    await page.locator('#call-result.ok', { hasText: 'HeartbeatInterval' }).waitFor();
    expect(received[1]).toEqual({});
    // The exchange is in the log too.
    await page.locator('#log tr.dir-IN', { hasText: 'HeartbeatInterval' }).waitFor();
  });

  it("shows the station's CALLERROR, and a form the schema refuses never reaches it", async () => {
    const { station, open } = await setup();
    const s = (await station('CP-ERR', 'ocpp2.0.1')) as Station<'ocpp2.0.1'>;
    let calls = 0;
    s.handle('GetVariables', () => {
      calls++;
      throw new Error('boom');
    });
    const page = await open('#/station/CP-ERR');
    await page.locator('#command-action').waitFor();
    await page.selectOption('#command-action', 'GetVariables');
    // Required: getVariableData[0].component.name and .variable.name; left empty, the page says so.
    await page.click('#command-send');
    await page.locator('#call-result.error', { hasText: 'required' }).waitFor();
    expect(calls).toBe(0);
    await page.fill('input[name="getVariableData[0].component.name"]', 'OCPPCommCtrlr');
    await page.fill('input[name="getVariableData[0].variable.name"]', 'HeartbeatInterval');
    await page.click('#command-send');
    await page.locator('#call-result.error', { hasText: 'InternalError' }).waitFor();
    expect(calls).toBe(1);
  });

  it('shows the fleet: connected stations over time and CALLERRORs by code from metricsPlugin', async () => {
    const { station, open, t } = await setup({ fleetSampleMs: 100 });
    await station('CP-F1');
    await station('CP-F2');
    // A station that calls before booting gets a SecurityError: one CALLERROR for the fleet's chart.
    const raw = await connectStation(t.url, 'CP-F-RAW', { protocols: ['ocpp1.6'] });
    sockets.push(raw);
    const refused = await raw.call('Heartbeat', {});
    expect(refused[2]).toBe('SecurityError');
    const page = await open('#/fleet');
    await page.locator('#fleet figcaption', { hasText: 'Connected stations' }).waitFor();
    await page.locator('#fleet .line-chart polyline.series').first().waitFor();
    const row = page.locator('#fleet .bar-row', { hasText: 'SecurityError' });
    await row.waitFor();
    expect(Number(await row.locator('.n').textContent())).toBeGreaterThanOrEqual(1);
    // Connected over time: three stations now, so the chart's top tick reads at least 3.
    const topTick = page.locator('#fleet .line-chart').first().locator('text.tick').first();
    await expect
      .poll(async () => Number((await topTick.textContent())?.replace(/\D/g, '')), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(3);
  });

  it('redacts payloads in the message log when the PII plugin is on', async () => {
    const { station, open } = await setup({ pii: true });
    const s = (await station('CP-PII')) as Station<'ocpp1.6'>;
    const page = await open('#/station/CP-PII');
    await page.locator('#station-states .badge', { hasText: 'accepted' }).waitFor();
    await s.call('Authorize', { idTag: 'SECRET-TAG-42' });
    await page.locator('#log tr', { hasText: 'Authorize' }).first().waitFor();
    const log = await page.locator('#log').textContent();
    expect(log).toContain('[REDACTED]');
    expect(log).not.toContain('SECRET-TAG-42');
  });

  it('closes a station’s connection from its page', async () => {
    const { station, open, t } = await setup();
    await station('CP-CLOSE');
    const page = await open('#/station/CP-CLOSE');
    page.on('dialog', (d) => void d.accept());
    await page.locator('#station-states .badge', { hasText: 'open' }).waitFor();
    const closed = new Promise((resolve) => t.csms.on('disconnected', resolve));
    await page.click('#close-connection');
    await closed;
    await page.locator('#station-notice', { hasText: 'closed by the operator' }).waitFor();
  });

  it('a wrong token sees nothing: 401, the sign-in form, no station on the page', async () => {
    const { station, pageUrl } = await setup();
    await station('CP-HIDDEN');
    const page = await browser.newPage();
    pages.push(page);
    const statuses: number[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/api/')) statuses.push(r.status());
    });
    await page.goto(`${pageUrl}#token=wrong-token-0123456789`);
    await page.locator('#login-reason', { hasText: '401' }).waitFor();
    expect(statuses).toContain(401);
    expect(statuses.every((s) => s === 401)).toBe(true);
    await expect(page.locator('body').textContent()).resolves.not.toContain('CP-HIDDEN');
    await expect(page.locator('[data-identity]').count()).resolves.toBe(0);
    // The right token, typed into the form, then shows it.
    await page.fill('#login-token', TOKEN);
    await page.click('#login button[type="submit"]');
    await page.locator('[data-identity="CP-HIDDEN"]').waitFor();
  });

  it('keeps the DOM small with many stations (virtualised) and scrolls to the last', async () => {
    const { t, open } = await setup({ rateLimit: false });
    const n = 1_500;
    for (let i = 0; i < n; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, n - i) }, (_, j) =>
          connectStation(t.url, `CP-V-${String(i + j).padStart(5, '0')}`, { protocols: ['ocpp1.6'] }),
        ),
      );
      sockets.push(...batch);
    }
    const page = await open();
    await page.locator('#summary', { hasText: `${n.toLocaleString('en-US')} known` }).waitFor();
    const rendered = await page.locator('.rows .row').count();
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(100);
    await page.locator('#stations').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await page.locator(`[data-identity="CP-V-${String(n - 1).padStart(5, '0')}"]`).waitFor();
  }, 60_000);
});
