import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CsmsEventMap } from '../../src/hooks/types.js';
import { messageDedupPlugin, replayBufferPlugin } from '../../src/plugins/index.js';
import { cleanup, gate, nextEvent, record, startCsms, until } from '../runtime/harness.js';

// The real Redis on this machine (.ci/run starts it when it is down).
let redis: Redis;
beforeAll(async () => {
  redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
});
afterAll(async () => {
  await redis.quit();
});
afterEach(cleanup);

/** A client of a Redis that is not there: every command fails at once. */
function unreachableRedis(): Redis {
  const r = new Redis({
    host: '127.0.0.1',
    port: 1,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  r.on('error', () => {}); // the connection's own errors; the commands' failures are what the plugin sees
  return r;
}

const prefix = () => `test:${randomUUID().slice(0, 8)}`;

describe.each([
  ['the bus', () => messageDedupPlugin({ ttlMs: 60_000 })],
  ['Redis', () => messageDedupPlugin({ ttlMs: 60_000, redis, keyPrefix: prefix() })],
])('messageDedupPlugin over %s', (_name, make) => {
  it('answers a retried CALL id with the original answer without running the handler again', async () => {
    const dedup = make();
    const t = await startCsms({ plugins: [dedup] });
    let runs = 0;
    t.csms.handle('StartTransaction', () => ({ transactionId: ++runs, idTagInfo: { status: 'Accepted' } }));
    const s = await t.boot('CP1');
    const req = { connectorId: 1, idTag: 'T', meterStart: 0, timestamp: new Date().toISOString() };
    const first = await s.call('StartTransaction', req, 'tx-1');
    expect(first).toEqual([3, 'tx-1', { transactionId: 1, idTagInfo: { status: 'Accepted' } }]);
    // The answer is recorded asynchronously; a retry before that is dropped (in progress): retry again.
    let again: unknown[] | undefined;
    for (let i = 0; !again && i < 20; i++)
      again = await s.call('StartTransaction', req, 'tx-1', 250).catch(() => undefined);
    expect(again).toEqual(first);
    expect(runs).toBe(1);
    expect(dedup.stats.answered).toBeGreaterThanOrEqual(1);
    // A new id is handled.
    expect((await s.call('StartTransaction', req, 'tx-2'))[2]).toMatchObject({ transactionId: 2 });
  });

  it('drops a retry while the original is still being handled; the original answer goes out once', async () => {
    const dedup = make();
    const t = await startCsms({ plugins: [dedup] });
    const hold = gate();
    let runs = 0;
    t.csms.handle('DataTransfer', async () => {
      runs++;
      await hold.promise;
      return { status: 'Accepted' };
    });
    const s = await t.boot('CP1');
    s.send([2, 'dt-1', 'DataTransfer', { vendorId: 'v' }]);
    await until(() => runs === 1);
    s.send([2, 'dt-1', 'DataTransfer', { vendorId: 'v' }]);
    await until(() => dedup.stats.inProgress === 1);
    hold.open();
    await s.waitFor((m) => m[1] === 'dt-1');
    expect(runs).toBe(1);
    await s.expectSilence();
    expect(s.received.filter((m) => m[1] === 'dt-1')).toHaveLength(1);
  });
});

describe("messageDedupPlugin with ocpp-ws-io 2.x's option names", () => {
  it('keeps its Redis keys under `prefix`', async () => {
    const p = prefix();
    const t = await startCsms({ plugins: [messageDedupPlugin({ redis, prefix: `${p}:`, ttlMs: 60_000 })] });
    const s = await t.boot('CP1');
    expect((await s.call('Heartbeat', {}, 'hb-1'))[0]).toBe(3);
    const keys = await redis.keys(`${p}:*`);
    expect(keys.some((k) => k.includes('hb-1') && !k.startsWith(`${p}::`))).toBe(true);
  });
});

describe('messageDedupPlugin when its store is down', () => {
  it('by default handles the CALL and reports every store failure (never a silent fail-open)', async () => {
    const down = unreachableRedis();
    const logged: unknown[][] = [];
    const dedup = messageDedupPlugin({
      redis: down,
      logger: { warn: () => {}, error: (...args: unknown[]) => logged.push(args) },
    });
    const t = await startCsms({ plugins: [dedup] });
    const errors = record(t.csms, 'pluginError');
    const s = await t.boot('CP1');
    expect((await s.call('Heartbeat', {}))[0]).toBe(3);
    expect(errors.pluginError.some((e) => e.plugin === 'message-dedup' && e.hook === 'claimCall')).toBe(true);
    expect(dedup.storeFailures).toBeGreaterThanOrEqual(2);
    expect(dedup.storeFailures).toBe(errors.pluginError.filter((e) => e.plugin === 'message-dedup').length);
    expect(logged.length).toBe(dedup.storeFailures);
    expect(logged[0]![0]).toBe('[message-dedup] claimCall:');
    down.disconnect();
  });

  it('with onStoreDown "refuse" answers a CALLERROR so the station retries later', async () => {
    const down = unreachableRedis();
    const t = await startCsms({ plugins: [messageDedupPlugin({ redis: down, onStoreDown: 'refuse' })] });
    const s = await t.connect('CP1');
    expect(await s.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' })).toEqual([
      4,
      expect.any(String),
      'InternalError',
      expect.stringMatching(/store unavailable/),
      {},
    ]);
    down.disconnect();
  });
});

describe('replayBufferPlugin', () => {
  it('queues a command for an offline station, delivers it on reconnect and reports its real answer', async () => {
    const delivered: CsmsEventMap['commandDelivered'][] = [];
    const replay = replayBufferPlugin({ onDelivered: (d) => delivered.push(d) });
    const t = await startCsms({ plugins: [replay] });
    await replay.queue('CP1', 'UnlockConnector', { connectorId: 1 });
    const s = await t.boot('CP1');
    const req = await s.waitFor((m) => m[0] === 2 && m[2] === 'UnlockConnector');
    expect(req[3]).toEqual({ connectorId: 1 });
    s.reply(req, { status: 'UnlockFailed' });
    await until(() => delivered.length === 1);
    expect(delivered[0]).toMatchObject({
      identity: 'CP1',
      action: 'UnlockConnector',
      response: { status: 'UnlockFailed' },
    });
  });

  it('with redis: frames pushed to the list move to the durable queue on connect and are delivered', async () => {
    const keyPrefix = prefix();
    const delivered: CsmsEventMap['commandDelivered'][] = [];
    const replay = replayBufferPlugin({ redis, keyPrefix, onDelivered: (d) => delivered.push(d) });
    const t = await startCsms({ plugins: [replay] });
    await redis.rpush(
      `${keyPrefix}:CP1`,
      JSON.stringify([2, 'queued-1', 'UnlockConnector', { connectorId: 2 }]),
    );
    await replay.queue('CP1', 'ClearCache', {});
    const s = await t.boot('CP1');
    const unlock = await s.waitFor((m) => m[0] === 2 && m[2] === 'UnlockConnector');
    s.reply(unlock, { status: 'Unlocked' });
    const clear = await s.waitFor((m) => m[0] === 2 && m[2] === 'ClearCache');
    s.reply(clear, { status: 'Accepted' });
    await until(() => delivered.length === 2);
    expect(delivered.map((d) => [d.action, d.response])).toEqual([
      ['UnlockConnector', { status: 'Unlocked' }],
      ['ClearCache', { status: 'Accepted' }],
    ]);
    expect(await redis.llen(`${keyPrefix}:CP1`)).toBe(0);
  });

  it("takes ocpp-ws-io 2.x's prefix and replayable: a command not replayable is refused, or dropped from the list and reported", async () => {
    const keyPrefix = prefix();
    const delivered: CsmsEventMap['commandDelivered'][] = [];
    const replay = replayBufferPlugin({
      redis,
      prefix: `${keyPrefix}:`,
      replayable: ['UnlockConnector'],
      onDelivered: (d) => delivered.push(d),
    });
    const t = await startCsms({ plugins: [replay] });
    const errors = record(t.csms, 'pluginError');
    await expect(replay.queue('CP1', 'Reset', { type: 'Hard' })).rejects.toThrow(/not replayable/);
    await redis.rpush(`${keyPrefix}:CP1`, JSON.stringify([2, 'r-1', 'Reset', { type: 'Soft' }]));
    await replay.queue('CP1', 'UnlockConnector', { connectorId: 1 });
    const s = await t.boot('CP1');
    const unlock = await s.waitFor((m) => m[0] === 2 && m[2] === 'UnlockConnector');
    s.reply(unlock, { status: 'Unlocked' });
    await until(() => delivered.length === 1);
    expect(s.received.some((m) => m[2] === 'Reset')).toBe(false);
    expect(errors.pluginError).toEqual([
      expect.objectContaining({
        plugin: 'replay-buffer',
        error: expect.objectContaining({ message: expect.stringContaining('Reset') }),
      }),
    ]);
    expect(await redis.llen(`${keyPrefix}:CP1`)).toBe(0);
  });

  it("takes ocpp-ws-io 2.x's maxQueueAgeMs: an older command is dropped unsent", async () => {
    const replay = replayBufferPlugin({ maxQueueAgeMs: 1 });
    const t = await startCsms({ plugins: [replay] });
    const expired = record(t.csms, 'commandExpired');
    const queuedAt = Date.now();
    await replay.queue('CP1', 'UnlockConnector', { connectorId: 1 });
    await until(() => Date.now() > queuedAt + 5);
    const s = await t.boot('CP1');
    await until(() => expired.commandExpired.length === 1);
    expect(expired.commandExpired[0]).toMatchObject({ identity: 'CP1', action: 'UnlockConnector', ttlMs: 1 });
    expect(s.received.some((m) => m[2] === 'UnlockConnector')).toBe(false);
  });

  it('drops a command after maxReplayAttempts unanswered deliveries, reports it, and delivers the next', async () => {
    const delivered: CsmsEventMap['commandDelivered'][] = [];
    const replay = replayBufferPlugin({
      maxReplayAttempts: 2,
      flushDelayMs: 0,
      onDelivered: (d) => delivered.push(d),
    });
    const t = await startCsms({ callTimeoutMs: 100, plugins: [replay] });
    const events = record(t.csms, 'commandDropped');
    await replay.queue('CP1', 'UnlockConnector', { connectorId: 1 });
    await replay.queue('CP1', 'ClearCache', {});
    const s = await t.boot('CP1');
    // Never answered, twice (the second after the replay's back-off).
    await s.waitFor((m) => m[0] === 2 && m[2] === 'UnlockConnector');
    await s.waitFor((m) => m[0] === 2 && m[2] === 'UnlockConnector', 5_000);
    const clear = await s.waitFor((m) => m[0] === 2 && m[2] === 'ClearCache', 5_000);
    expect(events.commandDropped).toEqual([
      expect.objectContaining({ identity: 'CP1', action: 'UnlockConnector', attempts: 2 }),
    ]);
    s.reply(clear, { status: 'Accepted' });
    await until(() => delivered.length === 1);
    expect(delivered[0]).toMatchObject({ action: 'ClearCache', response: { status: 'Accepted' } });
  });

  it('never counts a station gone mid-delivery as an unanswered attempt', async () => {
    const delivered: CsmsEventMap['commandDelivered'][] = [];
    const replay = replayBufferPlugin({
      maxReplayAttempts: 1,
      flushDelayMs: 0,
      onDelivered: (d) => delivered.push(d),
    });
    const t = await startCsms({ plugins: [replay] });
    const events = record(t.csms, 'commandDropped');
    await replay.queue('CP1', 'UnlockConnector', { connectorId: 1 });
    const first = await t.boot('CP1');
    await first.waitFor((m) => m[0] === 2 && m[2] === 'UnlockConnector');
    const gone = nextEvent(t.csms, 'disconnected');
    await first.close();
    await gone;
    const again = await t.boot('CP1');
    const unlock = await again.waitFor((m) => m[0] === 2 && m[2] === 'UnlockConnector', 5_000);
    again.reply(unlock, { status: 'Unlocked' });
    await until(() => delivered.length === 1);
    expect(events.commandDropped).toEqual([]);
  });

  it('flushes a backlog one command at a time, flushDelayMs apart; a flushConcurrency above 1 is logged as ignored', async () => {
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (_: object, msg?: string) => warnings.push(msg ?? ''),
    };
    const replay = replayBufferPlugin({ flushDelayMs: 150, flushConcurrency: 5, logger });
    const t = await startCsms({ plugins: [replay] });
    for (const connectorId of [1, 2, 3]) await replay.queue('CP1', 'UnlockConnector', { connectorId });
    const s = await t.boot('CP1');
    const gaps: number[] = [];
    let answeredAt = 0;
    for (const connectorId of [1, 2, 3]) {
      const req = await s.waitFor((m) => m[0] === 2 && m[2] === 'UnlockConnector');
      if (answeredAt) gaps.push(performance.now() - answeredAt);
      // In order, and the next one only after this one was answered (OCPP-J: one CALL in flight).
      expect(req[3]).toEqual({ connectorId });
      expect(s.received.filter((m) => m[0] === 2 && m[2] === 'UnlockConnector')).toHaveLength(connectorId);
      s.reply(req, { status: 'Unlocked' });
      answeredAt = performance.now();
    }
    expect(gaps).toHaveLength(2);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(140);
    expect(warnings.some((w) => w.includes('flushConcurrency'))).toBe(true);
  });
});
