import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import {
  isLoopbackAddress,
  OperatorOptionsError,
  operatorPage,
  sameSecret,
} from '../../src/operator/index.js';
import { metricsPlugin } from '../../src/plugins/metrics.js';
import { cleanup, startCsms, until } from '../runtime/harness.js';
import { httpGet, openStream } from './sse-client.js';

afterEach(cleanup);

const TOKEN = 'operator-token-0123456789';
const bearer = { Authorization: `Bearer ${TOKEN}` };
const httpBase = (wsUrl: string) => `${wsUrl.replace('ws://', 'http://')}/ops`;

describe('operator page: access', () => {
  it('is never created open: a token or Basic credentials are required', () => {
    expect(() => operatorPage({})).toThrow(OperatorOptionsError);
    expect(() => operatorPage({ token: 'short' })).toThrow(/at least 16/);
    expect(() => operatorPage({ token: TOKEN, path: 'ops' })).toThrow(/path/);
  });

  it('answers 401 without a station in the body to a missing or wrong token, 200 with the right one', async () => {
    const t = await startCsms({ plugins: [operatorPage({ token: TOKEN })] });
    await t.boot('CP-SECRET-1');
    const base = httpBase(t.url);
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: 'Bearer wrong-token-0123456789' },
      { Authorization: `Basic ${btoa(`x:${TOKEN}`)}` },
    ];
    for (const headers of attempts) {
      for (const route of [
        'api/stations',
        'api/stations/CP-SECRET-1',
        'api/stream',
        'api/fleet',
        'api/diagrams',
      ]) {
        const r = await httpGet(`${base}/${route}`, headers);
        expect(r.status, route).toBe(401);
        expect(r.body).not.toContain('CP-SECRET-1');
        expect(r.headers['www-authenticate']).toBe('Bearer');
      }
    }
    const posted = await fetch(`${base}/api/stations/CP-SECRET-1/close`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(posted.status).toBe(401);
    expect(t.csms.station('CP-SECRET-1')?.connection).toBe('open');

    const ok = await httpGet(`${base}/api/stations`, bearer);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).rows).toEqual([
      [
        'CP-SECRET-1',
        'ocpp1.6',
        'open',
        'accepted',
        'closed',
        0,
        expect.any(Number),
        expect.any(Number),
        'idle',
      ],
    ]);
    // The shell holds no data and asks for the token itself: public with a token configured.
    const shell = await httpGet(`${base}/`);
    expect(shell.status).toBe(200);
    expect(shell.body).toContain('<script type="module" src="app.js">');
    expect(shell.body).not.toContain('CP-SECRET-1');
    expect((await httpGet(base)).status).toBe(302);
  });

  it('with Basic credentials only, the shell is behind them too (the browser asks), and both parts are checked', async () => {
    const t = await startCsms({ plugins: [operatorPage({ basic: { username: 'ops', password: 'pw-1' } })] });
    const base = httpBase(t.url);
    const shell = await httpGet(`${base}/`);
    expect(shell.status).toBe(401);
    expect(shell.headers['www-authenticate']).toMatch(/^Basic realm=/);
    const basic = (u: string, p: string) => ({ Authorization: `Basic ${btoa(`${u}:${p}`)}` });
    expect((await httpGet(`${base}/api/stations`, basic('ops', 'pw-2'))).status).toBe(401);
    expect((await httpGet(`${base}/api/stations`, basic('opz', 'pw-1'))).status).toBe(401);
    expect((await httpGet(`${base}/api/stations`, { Authorization: 'Bearer pw-1' })).status).toBe(401);
    expect((await httpGet(`${base}/api/stations`, basic('ops', 'pw-1'))).status).toBe(200);
    expect((await httpGet(`${base}/`, basic('ops', 'pw-1'))).status).toBe(200);
  });

  it('leaves other paths alone: /metrics still served, unknown paths still 426', async () => {
    const t = await startCsms({
      plugins: [operatorPage({ token: TOKEN }), metricsPlugin({ intervalMs: 0 })],
    });
    const http = t.url.replace('ws://', 'http://');
    expect((await httpGet(`${http}/metrics`)).status).toBe(200);
    expect((await httpGet(`${http}/opsx`)).status).toBe(426);
  });

  it('refuses peers that are not this machine with 403 unless allowRemote, even with the token', async () => {
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('::ffff:127.0.0.5')).toBe(true);
    expect(isLoopbackAddress('::1')).toBe(true);
    expect(isLoopbackAddress('10.0.0.1')).toBe(false);
    expect(isLoopbackAddress('::ffff:192.168.1.2')).toBe(false);
    expect(sameSecret('a', 'a')).toBe(true);
    expect(sameSecret('a', 'ab')).toBe(false);

    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    // A machine without a non-loopback IPv4 address cannot be reached from elsewhere: nothing to refuse.
    if (!external) return;
    for (const allowRemote of [false, true]) {
      const { createCsms } = await import('../../src/actors/csms.js');
      const csms = createCsms({ plugins: [operatorPage({ token: TOKEN, allowRemote })] });
      const { port } = await csms.listen({ port: 0, host: '0.0.0.0' });
      try {
        const r = await httpGet(`http://${external}:${port}/ops/api/stations`, bearer);
        expect(r.status).toBe(allowRemote ? 200 : 403);
        const local = await httpGet(`http://127.0.0.1:${port}/ops/api/stations`, bearer);
        expect(local.status).toBe(200);
      } finally {
        await csms.close({ drainMs: 0 });
      }
    }
  });
});

describe('operator page: live list', () => {
  it('costs nothing until a browser connects: the runtime is listened to only while one is', async () => {
    const page = operatorPage({ token: TOKEN, listIntervalMs: 20 });
    const t = await startCsms({ plugins: [page] });
    expect(page.stats().listening).toBe(false);
    const stream = await openStream(httpBase(t.url), bearer);
    expect(stream.status).toBe(200);
    const hello = await stream.next('hello');
    expect(hello.data.rows).toEqual([]);
    expect(page.stats()).toMatchObject({ browsers: 1, listening: true });

    const seen = stream.events.length;
    await t.boot('CP-LIVE-1');
    const rows = await stream.next('rows', seen);
    expect(rows.data.rows).toContainEqual(expect.arrayContaining(['CP-LIVE-1', 'ocpp1.6', 'open']));
    await until(() =>
      stream.events.some(
        (e) =>
          e.name === 'rows' &&
          (e.data.rows as unknown[][]).some((r) => r[0] === 'CP-LIVE-1' && r[3] === 'accepted'),
      ),
    );
    stream.close();
    await until(() => page.stats().browsers === 0);
    expect(page.stats().listening).toBe(false);
  });

  it('batches: many changes in one interval reach the browser as one event', async () => {
    const page = operatorPage({ token: TOKEN, listIntervalMs: 60_000 });
    const t = await startCsms({ plugins: [page] });
    const stream = await openStream(httpBase(t.url), bearer);
    await stream.next('hello');
    for (let i = 0; i < 20; i++) await t.boot(`CP-B-${i}`);
    // Nothing is pushed per change: the (one-minute) batch has not come yet.
    expect(stream.events.filter((e) => e.name === 'rows')).toEqual([]);
    stream.close();
  });

  it('builds no message event per frame while a browser is open: the list reads the stations, the open station is tapped', async () => {
    const page = operatorPage({ token: TOKEN, listIntervalMs: 20 });
    const t = await startCsms({ plugins: [page] });
    const dispatcher = (t.csms as unknown as { dispatcher: { has(name: string): boolean } }).dispatcher;
    const stream = await openStream(httpBase(t.url), bearer);
    const hello = await stream.next('hello');
    const a = await t.boot('CP-TAP-A');
    const b = await t.boot('CP-TAP-B');
    expect(page.stats().listening).toBe(true);
    expect(dispatcher.has('message')).toBe(false);
    const r = await fetch(`${httpBase(t.url)}/api/select`, {
      method: 'POST',
      headers: { ...bearer, 'Content-Type': 'application/json' },
      body: JSON.stringify({ stream: hello.data.stream, station: 'CP-TAP-A' }),
    });
    expect(r.status).toBe(200);
    const from = stream.events.length;
    await b.call('Heartbeat', {});
    await a.call('Heartbeat', {});
    const logged = () =>
      stream.events
        .slice(from)
        .filter((e) => e.name === 'station')
        .flatMap((e) => e.data.log as { action: string; direction: string }[]);
    await until(() => logged().length >= 2);
    // Only the open station's frames, both ways; still no message events for anyone.
    expect(logged().map((l) => [l.action, l.direction])).toEqual([
      ['Heartbeat', 'IN'],
      ['Heartbeat', 'OUT'],
    ]);
    expect(dispatcher.has('message')).toBe(false);
    stream.close();
  });

  it('serves the fleet: connected stations sampled over time, frames per second and CALLERRORs by code from metricsPlugin', async () => {
    const metrics = metricsPlugin({ intervalMs: 0 });
    const t = await startCsms({
      plugins: [metrics, operatorPage({ token: TOKEN, metrics, fleetSampleMs: 20 })],
    });
    const s = await t.boot('CP-FLEET');
    const answer = await s.call('NoSuchAction', {});
    expect(answer).toEqual([4, expect.any(String), 'NotImplemented', expect.any(String), {}]);
    const fleet = async () =>
      (await (await fetch(`${httpBase(t.url)}/api/fleet`, { headers: bearer })).json()) as {
        samples: { connected: number; callsPerSecond: number | null }[];
        errorsByCode: Record<string, number>;
        metrics: boolean;
      };
    let f = await fleet();
    while (!f.samples.some((x) => x.connected === 1)) f = await fleet();
    expect(f.metrics).toBe(true);
    expect(f.errorsByCode).toEqual({ NotImplemented: 1 });
    expect(f.samples.some((x) => x.callsPerSecond !== null)).toBe(true);
  });
});
