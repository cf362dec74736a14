import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { piiRedactorPlugin } from '../../src/plugins/pii-redactor.js';
import { SinkDeliveryError, SinkOverflowError } from '../../src/plugins/sink-errors.js';
import type { SinkRecord } from '../../src/plugins/sink-events.js';
import { webhookPlugin } from '../../src/plugins/webhook.js';
import { cleanup, expectServed, nextEvent, startCsms, until } from '../runtime/harness.js';
import { type Received, type Receiver, startReceiver } from './http-receiver.js';

const SECRET = 'test-secret';
const receivers: Receiver[] = [];
afterEach(async () => {
  await cleanup();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

/** What a receiver does with a signed POST: recompute the HMAC over timestamp and body. */
function signatureValid(r: Received): boolean {
  const ts = String(r.headers['x-signature-timestamp']);
  const sig = Buffer.from(String(r.headers['x-signature']), 'hex');
  const expected = createHmac('sha256', SECRET).update(`${ts}.${r.body}`).digest();
  return (
    sig.length === expected.length &&
    timingSafeEqual(sig, expected) &&
    Math.abs(Date.now() - Number(ts)) < 60_000
  );
}

const events = (rs: Received[]) => rs.flatMap((r) => (r.json as { events: SinkRecord[] }).events);

describe('webhookPlugin', () => {
  it('POSTs connect and disconnect events of real stations in signed batches', async () => {
    const r = await receiver();
    const t = await startCsms({
      plugins: [
        webhookPlugin({
          url: r.url,
          secret: SECRET,
          headers: { authorization: 'Bearer x' },
          // Batches by size only (maxWaitMs a minute): the count of POSTs is exact, not timing.
          queue: { maxBatchSize: 3, maxWaitMs: 60_000 },
        }),
      ],
    });
    const stations = await Promise.all(['CP1', 'CP2', 'CP3', 'CP4'].map((id) => t.boot(id)));
    await until(() => events(r.received).filter((e) => e.event === 'connect').length >= 2);
    const gone = nextEvent(t.csms, 'disconnected');
    await stations[0]!.close();
    await gone;
    await t.csms.close({ drainMs: 0 });
    // init, 4 connects, 4 disconnects (one by the station, three at close), close: 10 events, 4 POSTs.
    expect(events(r.received)).toHaveLength(10);
    expect(r.received).toHaveLength(4);
    for (const req of r.received) {
      expect(signatureValid(req)).toBe(true);
      expect(req.headers.authorization).toBe('Bearer x');
      expect(req.headers['content-type']).toBe('application/json');
    }
    const connect = events(r.received).find((e) => e.identity === 'CP2' && e.event === 'connect');
    expect(connect).toMatchObject({
      identity: 'CP2',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      payload: { protocol: 'ocpp1.6', remoteAddress: '127.0.0.1', reconnect: false },
    });
    expect(events(r.received).find((e) => e.event === 'disconnect')).toMatchObject({
      identity: 'CP1',
      payload: { code: expect.any(Number), durationMs: expect.any(Number) },
    });
  });

  it('sends the close event and drains on CSMS close', async () => {
    const r = await receiver();
    const t = await startCsms({ plugins: [webhookPlugin({ url: r.url, queue: { maxWaitMs: 60_000 } })] });
    await t.boot('CP1');
    await t.csms.close({ drainMs: 0 });
    // maxWaitMs is a minute: only the drain on close can have sent these.
    expect(events(r.received).map((e) => e.event)).toEqual(['init', 'connect', 'disconnect', 'close']);
  });

  it('retries a 500 with back-off, keeping the batch id, and delivers', async () => {
    const r = await receiver();
    r.answer = (_req, n) => (n === 1 ? 500 : 200);
    const t = await startCsms({
      plugins: [webhookPlugin({ url: r.url, queue: { retryDelayMs: 20, maxWaitMs: 10 } })],
    });
    await t.boot('CP1');
    await until(() => r.received.length >= 2 && events(r.received).some((e) => e.event === 'connect'));
    expect(r.received[1]!.headers['x-request-id']).toBe(r.received[0]!.headers['x-request-id']);
    expect(r.received[1]!.body).toBe(r.received[0]!.body);
  });

  it.each([
    ['HTTP 500 on every attempt', 500 as const, { retries: 2 }, 3],
    ['a timeout', 'hang' as const, { retries: 0, timeout: 100 }, 1],
    ['HTTP 400 (not retried)', 400 as const, { retries: 3 }, 1],
  ])(
    'reports %s as pluginError with the plugin name; stations stay served',
    async (_what, answer, o, posts) => {
      const r = await receiver();
      r.answer = () => answer;
      const t = await startCsms({
        plugins: [
          webhookPlugin({
            url: r.url,
            ...o,
            events: ['connect'],
            queue: { retryDelayMs: 10, maxWaitMs: 10 },
          }),
        ],
      });
      const failed = nextEvent(t.csms, 'pluginError', undefined, 5_000);
      const s = await t.boot('CP1');
      const e = await failed;
      expect(e.plugin).toBe('webhook');
      expect(e.error).toBeInstanceOf(SinkDeliveryError);
      expect(e.error).toMatchObject({ events: 1, attempts: posts });
      expect(r.received).toHaveLength(posts);
      await expectServed(s);
    },
  );

  it('a receiver that hangs fills the bounded queue: drops counted and reported; stations served', async () => {
    const r = await receiver();
    r.answer = () => 'hang';
    const plugin = webhookPlugin({
      url: r.url,
      events: ['message'],
      timeout: 60_000,
      queue: { maxQueued: 2, maxBatchSize: 1, maxWaitMs: 0, drainTimeoutMs: 50 },
    });
    const t = await startCsms({ plugins: [plugin] });
    const overflow = nextEvent(t.csms, 'pluginError', (e) => e.error instanceof SinkOverflowError, 5_000);
    const s = await t.boot('CP1');
    for (let i = 0; i < 3; i++) await expectServed(s);
    const e = await overflow;
    expect(e.plugin).toBe('webhook');
    expect(e.error).toMatchObject({ policy: 'drop-oldest', maxQueued: 2 });
    expect(plugin.stats()).toMatchObject({ inFlight: 1, queued: 2 });
    expect(plugin.stats().dropped).toBeGreaterThan(0);
  });

  it("takes ocpp-ws-io 2.x's maxConcurrent: that many POSTs in flight at once", async () => {
    const r = await receiver();
    r.answer = () => 'hang';
    const plugin = webhookPlugin({
      url: r.url,
      events: ['connect'],
      timeout: 60_000,
      maxConcurrent: 3,
      queue: { maxBatchSize: 1, maxWaitMs: 0, drainTimeoutMs: 50 },
    });
    const t = await startCsms({ plugins: [plugin] });
    for (const id of ['CP1', 'CP2', 'CP3', 'CP4']) await t.boot(id);
    await until(() => r.received.length === 3);
    expect(plugin.stats()).toMatchObject({ inFlight: 3, queued: 1 });
  });

  it('reports a receiver that is down (connection refused)', async () => {
    const r = await receiver();
    await r.close();
    const t = await startCsms({
      plugins: [
        webhookPlugin({
          url: r.url,
          retries: 1,
          events: ['connect'],
          queue: { retryDelayMs: 10, maxWaitMs: 10 },
        }),
      ],
    });
    const failed = nextEvent(t.csms, 'pluginError', undefined, 5_000);
    const s = await t.boot('CP1');
    expect((await failed).error).toMatchObject({ plugin: 'webhook', attempts: 2 });
    await expectServed(s);
  });
});

describe('webhookPlugin behind piiRedactorPlugin', () => {
  it('never sends the idTag a station authorized with, while the handler saw it', async () => {
    const r = await receiver();
    const seen: string[] = [];
    const t = await startCsms({
      plugins: [
        piiRedactorPlugin(),
        webhookPlugin({ url: r.url, events: ['message'], includePayload: true, queue: { maxWaitMs: 10 } }),
      ],
    });
    t.csms.handle('ocpp1.6', 'Authorize', ({ payload }) => {
      seen.push(payload.idTag);
      return { idTagInfo: { status: 'Accepted' } };
    });
    const s = await t.boot('CP-pii');
    await s.call('Authorize', { idTag: 'SECRET-TAG-42' });
    await until(() => r.received.some((req) => req.body.includes('Authorize')));
    expect(seen).toEqual(['SECRET-TAG-42']);
    const bodies = r.received.map((req) => req.body).join('\n');
    expect(bodies).toContain('Authorize');
    expect(bodies).not.toContain('SECRET-TAG-42');
  });
});
