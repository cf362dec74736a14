import { afterEach, describe, expect, it } from 'vitest';
import { type RateLimitAlert, rateLimitNotifierPlugin } from '../../src/plugins/rate-limit-notifier.js';
import { SinkDeliveryError } from '../../src/plugins/sink-errors.js';
import { cleanup, expectServed, gate, nextEvent, record, startCsms, until } from '../runtime/harness.js';
import { type Receiver, startReceiver } from './http-receiver.js';

const receivers: Receiver[] = [];
afterEach(async () => {
  await cleanup();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** A CSMS whose CP1 handler holds every Heartbeat: with maxInboundWaiting 0 each further call is a flood. */
async function floodable(plugin: ReturnType<typeof rateLimitNotifierPlugin>) {
  const t = await startCsms({ maxInboundWaiting: 0, plugins: [plugin] });
  const hold = gate();
  t.csms.handle('Heartbeat', async ({ station }) => {
    if (station.identity === 'CP1') await hold.promise;
    return { currentTime: new Date().toISOString() };
  });
  const s = await t.boot('CP1');
  s.send([2, 'held', 'Heartbeat', {}]);
  let n = 0;
  /** One more call beyond the bound: answered GenericError, one rateLimitExceeded + one MESSAGE_FLOOD. */
  const flood = async () => {
    const id = `f${++n}`;
    s.send([2, id, 'Heartbeat', {}]);
    expect(await s.nextMessage()).toEqual([4, id, 'GenericError', expect.any(String), {}]);
  };
  return { t, s, flood, release: () => hold.open() };
}

describe('rateLimitNotifierPlugin', () => {
  it('alerts a URL sink on a real handshake rate limit (429), once per cooldown', async () => {
    const r = await startReceiver();
    receivers.push(r);
    const plugin = rateLimitNotifierPlugin({ sink: r.url, headers: { 'x-team': 'ops' } });
    const t = await startCsms({ connectionRateLimit: { burst: 2, perSecond: 0.001 }, plugins: [plugin] });
    const events = record(t.csms, 'rateLimitExceeded', 'securityEvent');
    await t.connect('CP1');
    await t.connect('CP2');
    expect((await t.refused('CP3')).status).toBe(429);
    expect((await t.refused('CP4')).status).toBe(429);
    // The runtime really emitted both kinds of event for each refusal (the reference listened for neither).
    expect(events.rateLimitExceeded).toHaveLength(2);
    expect(events.securityEvent.map((e) => e.type)).toEqual(['RATE_LIMIT_EXCEEDED', 'RATE_LIMIT_EXCEEDED']);
    await until(() => r.received.length === 1);
    expect(r.received[0]!.headers['x-team']).toBe('ops');
    expect(r.received[0]!.json).toMatchObject({
      eventType: 'RATE_LIMIT_EXCEEDED',
      identity: 'CP3',
      ip: '127.0.0.1',
      count: 1,
      windowMs: 300_000,
      timestamp: expect.any(String),
      details: { status: 429 },
    });
    // The second 429 from the same address fell in the cooldown: counted, not alerted.
    await until(() => plugin.stats().delivered === 1); // the POST's answer may still be on its way
    expect(plugin.stats()).toMatchObject({ batches: 1, delivered: 1, queued: 0 });
  });

  it('counts one flood once (rateLimitExceeded and MESSAGE_FLOOD paired) against the threshold', async () => {
    const alerts: RateLimitAlert[] = [];
    const plugin = rateLimitNotifierPlugin({
      sink: { send: (a) => alerts.push(a) },
      threshold: 3,
      cooldownMs: 0,
    });
    const f = await floodable(plugin);
    await f.flood();
    await f.flood();
    expect(plugin.stats().batches).toBe(0); // two occurrences; counted twice each they would be four
    await f.flood();
    await until(() => alerts.length === 1);
    expect(alerts[0]).toMatchObject({
      eventType: 'MESSAGE_FLOOD',
      identity: 'CP1',
      ip: '127.0.0.1',
      count: 3,
      threshold: 3,
      details: { action: 'Heartbeat' },
    });
    await f.flood();
    await until(() => alerts.length === 2);
    expect(alerts[1]!.count).toBe(4);
    f.release();
  });

  it('reports a failing sink as pluginError after its retries, and to its logger; the station is still served', async () => {
    const logged: unknown[][] = [];
    let attempts = 0;
    const plugin = rateLimitNotifierPlugin({
      sink: {
        send: async () => {
          attempts++;
          throw new Error('pager down');
        },
      },
      queue: { retries: 1, retryDelayMs: 10 },
      logger: { warn: () => {}, error: (...args: unknown[]) => logged.push(args) },
    });
    const f = await floodable(plugin);
    const failed = nextEvent(f.t.csms, 'pluginError', undefined, 5_000);
    await f.flood();
    const e = await failed;
    expect(e.plugin).toBe('rate-limit-notifier');
    expect(e.error).toBeInstanceOf(SinkDeliveryError);
    expect(e.error).toMatchObject({ attempts: 2, cause: { message: 'pager down' } });
    expect(attempts).toBe(2);
    expect(logged).toEqual([['[rate-limit-notifier] sink:', e.error]]);
    f.release();
    expect(await f.s.nextMessage()).toMatchObject([3, 'held', {}]);
    await expectServed(f.s);
  });
});
