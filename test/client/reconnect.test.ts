import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import {
  NotConnectedError,
  OfflineCallDroppedError,
  OfflineQueueFullError,
  StationClosedError,
  type StationEventMap,
} from '../../src/client/index.js';
import type { Csms } from '../../src/index.js';
import { bootPayload, cleanup, freePort, startCsms, station, track, until } from './helpers.js';

afterEach(cleanup);

const status = (connectorId: number) => ({
  timestamp: new Date().toISOString(),
  connectorStatus: 'Available' as const,
  evseId: 1,
  connectorId,
});

/** Record the StatusNotifications a CSMS handles, as connectorId/messageId. */
function recordStatus(csms: Csms): { connectorId: number; messageId: string }[] {
  const seen: { connectorId: number; messageId: string }[] = [];
  csms.handle('StatusNotification', ({ payload, messageId }) => {
    seen.push({ connectorId: (payload as { connectorId: number }).connectorId, messageId });
    return {};
  });
  return seen;
}

describe('station client connection lifecycle', () => {
  it('retries the very first connect with growing, jittered RetryBackOff delays until the CSMS is up', async () => {
    const port = await freePort();
    const s = station({
      url: `ws://127.0.0.1:${port}`,
      identity: 'CS-EARLY',
      protocols: ['ocpp1.6'],
      reconnect: { waitMinimumMs: 50, randomRangeMs: 20, repeatTimes: 2, maxDelayMs: 10_000 },
    });
    const failures: (StationEventMap['connectFailed'] & { at: number })[] = [];
    s.on('connectFailed', (e) => failures.push({ ...e, at: performance.now() }));
    const connected = s.connect();

    await until(() => failures.length >= 3);
    expect(s.state.connection).toBe('backingOff');
    expect(s.state.nextAttemptAt).toBeGreaterThan(Date.now() - 5);
    await startCsms({}, port);
    await connected;
    expect(s.state).toMatchObject({ connection: 'open', attempt: 0, connections: 1 });

    const first3 = failures.slice(0, 3);
    expect(first3.map((f) => f.attempt)).toEqual([1, 2, 3]);
    const bases = [50, 100, 200];
    first3.forEach((f, i) => {
      expect(f.delayMs).toBeGreaterThanOrEqual(bases[i]!);
      expect(f.delayMs).toBeLessThanOrEqual(bases[i]! + 20);
      expect(f.error.message).toMatch(/ECONNREFUSED/);
    });
    // Jittered: not all exactly the base (a chance of ~1 in 10^4 per value to hit it).
    expect(first3.some((f, i) => f.delayMs !== bases[i])).toBe(true);
    // And actually waited: the next failure comes no sooner than the announced delay.
    expect(first3[1]!.at - first3[0]!.at).toBeGreaterThanOrEqual(first3[0]!.delayMs - 2);
    expect(first3[2]!.at - first3[1]!.at).toBeGreaterThanOrEqual(first3[1]!.delayMs - 2);
  });

  it('reconnects after the CSMS restarts and delivers the calls queued offline exactly once, in order', async () => {
    const a = await startCsms();
    const s = station({ url: a.url, identity: 'CS-RESTART', protocols: ['ocpp2.0.1'] });
    const connected: boolean[] = [];
    s.on('connected', (e) => connected.push(e.reconnect));
    const reconnecting: number[] = [];
    s.on('reconnecting', (e) => reconnecting.push(e.delayMs));
    await s.connect();
    await s.call('BootNotification', bootPayload('ocpp2.0.1'));

    await a.csms.close({ drainMs: 0 });
    await until(() => s.state.connection !== 'open');
    expect(reconnecting).toHaveLength(1);
    const calls = [1, 2, 3, 4, 5].map((n) => s.call('StatusNotification', status(n)));
    expect(s.state.offlineQueue).toBe(5);

    // A fresh CSMS does not know the registration; a 2.x station SHOULD NOT boot again (§5.4).
    const b = await startCsms({ requireBoot: false }, a.port);
    const seen = recordStatus(b.csms);
    await Promise.all(calls);
    expect(seen.map((c) => c.connectorId)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(seen.map((c) => c.messageId)).size).toBe(5);
    expect(connected).toEqual([false, true]);
    expect(s.registration).toBe('accepted');
    expect(s.state.offlineQueue).toBe(0);
  });

  it('re-sends a call the dropped connection left unanswered, first and with the same message id', async () => {
    const a = await startCsms();
    const firstTry: string[] = [];
    a.csms.handle('StatusNotification', ({ messageId, signal }) => {
      firstTry.push(messageId);
      // Never answers; gives up when the connection goes.
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('gone'))));
    });
    const s = station({ url: a.url, identity: 'CS-INFLIGHT', protocols: ['ocpp2.0.1'] });
    await s.connect();
    await s.call('BootNotification', bootPayload('ocpp2.0.1'));
    const one = s.call('StatusNotification', status(1));
    const two = s.call('StatusNotification', status(2));
    await until(() => firstTry.length === 1);
    expect(s.state).toMatchObject({ inFlight: 1, waitingCalls: 1 });

    await a.csms.close({ drainMs: 0 });
    await until(() => s.state.connection !== 'open');
    expect(s.state).toMatchObject({ inFlight: 0, waitingCalls: 0, offlineQueue: 2 });
    const b = await startCsms({ requireBoot: false }, a.port);
    const seen = recordStatus(b.csms);
    await Promise.all([one, two]);
    expect(seen.map((c) => c.connectorId)).toEqual([1, 2]);
    expect(seen[0]!.messageId).toBe(firstTry[0]);
  });

  it("offline overflow 'drop-oldest': the oldest calls are dropped, each with an event", async () => {
    const { url } = await startCsms({ requireBoot: false });
    const s = station({
      url,
      identity: 'CS-DROP',
      protocols: ['ocpp2.0.1'],
      offlineQueue: { max: 3, overflow: 'drop-oldest' },
    });
    const dropped: StationEventMap['offlineDropped'][] = [];
    s.on('offlineDropped', (e) => dropped.push(e));
    const calls = [1, 2, 3, 4, 5].map((n) => s.call('StatusNotification', status(n)));
    const settled = Promise.allSettled(calls);

    expect(dropped.map((d) => [d.action, (d.payload as { connectorId: number }).connectorId])).toEqual([
      ['StatusNotification', 1],
      ['StatusNotification', 2],
    ]);
    expect(dropped.every((d) => d.policy === 'drop-oldest' && d.messageId.length > 0)).toBe(true);
    expect(s.state.offlineQueue).toBe(3);

    await s.connect();
    const results = await settled;
    expect(results.map((r) => r.status)).toEqual([
      'rejected',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    const reason = (results[0] as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(OfflineCallDroppedError);
    expect(reason).toMatchObject({ code: 'OFFLINE_CALL_DROPPED', messageId: dropped[0]!.messageId });
  });

  it("offline overflow 'reject-new': calls beyond the bound are refused with a typed error", async () => {
    const { csms, url } = await startCsms({ requireBoot: false });
    const seen = recordStatus(csms);
    const s = station({
      url,
      identity: 'CS-REJECT',
      protocols: ['ocpp2.0.1'],
      offlineQueue: { max: 3, overflow: 'reject-new' },
    });
    const calls = [1, 2, 3, 4, 5].map((n) => s.call('StatusNotification', status(n)));
    const settled = Promise.allSettled(calls);
    await s.connect();
    const results = await settled;
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
    ]);
    expect((results[3] as PromiseRejectedResult).reason).toBeInstanceOf(OfflineQueueFullError);
    expect(seen.map((c) => c.connectorId)).toEqual([1, 2, 3]);
  });

  it('without queueWhileOffline, a call while disconnected fails at once', async () => {
    const s = station({
      url: `ws://127.0.0.1:${await freePort()}`,
      identity: 'CS-NOQ',
      protocols: ['ocpp1.6'],
    });
    await expect(s.call('Heartbeat', {}, { queueWhileOffline: false })).rejects.toBeInstanceOf(
      NotConnectedError,
    );
    const t = station({
      url: `ws://127.0.0.1:${await freePort()}`,
      identity: 'CS-NOQ2',
      protocols: ['ocpp1.6'],
      queueWhileOffline: false,
    });
    await expect(t.call('Heartbeat', {})).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
  });

  it('close() stops the retries and settles connect() and the queued calls', async () => {
    const s = station({
      url: `ws://127.0.0.1:${await freePort()}`,
      identity: 'CS-CLOSE',
      protocols: ['ocpp1.6'],
    });
    const failures: number[] = [];
    s.on('connectFailed', (e) => failures.push(e.attempt));
    const connecting = s.connect();
    const queued = s.call('Heartbeat', {});
    await until(() => failures.length >= 1);
    const due = s.state.nextAttemptAt ?? Date.now();
    await s.close();
    await expect(connecting).rejects.toBeInstanceOf(StationClosedError);
    await expect(queued).rejects.toMatchObject({ code: 'STATION_CLOSED', action: 'Heartbeat' });
    const count = failures.length;
    // Past the moment the next attempt was due (and a margin): none was made.
    await until(() => Date.now() > due + 100);
    expect(failures.length).toBe(count);
    expect(s.state.connection).toBe('closed');
    await expect(s.call('Heartbeat', {})).rejects.toBeInstanceOf(StationClosedError);
  });

  it('pings the CSMS and reconnects when a pong does not come', async () => {
    // A CSMS that never answers pings.
    const wss = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      autoPong: false,
      handleProtocols: () => 'ocpp1.6',
    });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    track({
      close: () =>
        new Promise<void>((resolve) => {
          for (const c of wss.clients) c.terminate();
          wss.close(() => resolve());
        }),
    });
    const port = (wss.address() as { port: number }).port;
    const s = station({
      url: `ws://127.0.0.1:${port}`,
      identity: 'CS-PING',
      protocols: ['ocpp1.6'],
      pingIntervalMs: 30,
    });
    const events: string[] = [];
    s.on('pongTimeout', () => events.push('pongTimeout'));
    s.on('connected', (e) => events.push(e.reconnect ? 'reconnected' : 'connected'));
    await s.connect();
    await until(() => events.includes('reconnected'));
    expect(events.slice(0, 3)).toEqual(['connected', 'pongTimeout', 'reconnected']);
  });
});
