import { afterEach, describe, expect, it } from 'vitest';
import { OptionsError } from '../../src/actors/errors.js';
import { cleanup, expectServed, gate, nextEvent, record, startCsms, until, within } from './harness.js';

afterEach(cleanup);

describe('reconfigure', () => {
  it('changes limits for the next handshake and call without dropping connected stations', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1');
    const events = record(t.csms, 'reconfigured');
    t.csms.reconfigure({ maxConnections: 1, callTimeoutMs: 40 });
    expect(events.reconfigured).toHaveLength(1);
    expect(events.reconfigured[0]?.previous).toMatchObject({ maxConnections: 50_000 });
    expect(t.csms.options.maxConnections).toBe(1);
    expect((await t.refused('CP2')).status).toBe(503);
    await expectServed(s);
    // The station never answers: the new call timeout applies.
    await expect(t.csms.call('CP1', 'ClearCache', {})).rejects.toMatchObject({
      code: 'CALL_TIMEOUT',
      timeoutMs: 40,
    });
  });

  it('refuses options that shape existing sockets, and invalid values, with readable errors', async () => {
    const t = await startCsms();
    expect(() => t.csms.reconfigure({ path: '/ocpp' } as never)).toThrow(OptionsError);
    expect(() => t.csms.reconfigure({ callTimeoutMs: -1 })).toThrow(/callTimeoutMs/);
    expect(t.csms.options.callTimeoutMs).toBe(30_000);
  });
});

describe('telemetry', () => {
  it('pushes counts of stations and messages at the configured interval', async () => {
    const t = await startCsms({ telemetryIntervalMs: 30 });
    const s = await t.boot('CP1');
    s.send('not json');
    const events = record(t.csms, 'telemetry');
    await until(() => events.telemetry.length > 0);
    expect(events.telemetry[0]).toMatchObject({
      connectedStations: 1,
      activeConnections: 1,
      knownStations: 1,
      messagesIn: 2,
      messagesOut: 2,
      badMessages: 1,
      validationFailures: 0,
    });
    await expectServed(s);
  });
});

describe('graceful close', () => {
  it('stops taking CALLs while draining: the running one is answered, a later one is left for the station to retry', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1');
    const release = gate();
    const seen: string[] = [];
    t.csms.handle('DataTransfer', async ({ messageId }) => {
      seen.push(messageId);
      await release.promise;
      return { status: 'Accepted' as const };
    });
    s.send([2, 'running', 'DataTransfer', { vendorId: 'V' }]);
    await until(() => seen.length === 1);
    const draining = nextEvent(t.csms, 'closing');
    const closing = t.csms.close({ drainMs: 2_000 });
    await draining;
    // Written to the CSMS's socket; then a handshake's round trip (refused: closing): the CSMS has had
    // its turns to read 'late', were it still reading.
    await new Promise<void>((resolve) =>
      s.ws.send(JSON.stringify([2, 'late', 'Heartbeat', {}]), () => resolve()),
    );
    expect((await t.refused('PROBE')).status).toBe(503);
    release.open();
    const answer = await within(s.nextMessage(1_000), 'answer to the running call');
    expect(answer).toMatchObject([3, 'running', { status: 'Accepted' }]);
    await closing;
    expect((await s.closed).code).toBe(1001);
    expect(s.received.some((m) => m[1] === 'late')).toBe(false);
  });
});

describe('default handlers', () => {
  it('are version-agnostic, so an application handler registered later replaces them', async () => {
    const t = await startCsms();
    t.csms.handle('Authorize', ({ protocol }) =>
      protocol === 'ocpp1.6'
        ? { idTagInfo: { status: 'Blocked' as const } }
        : { idTokenInfo: { status: 'Blocked' as const } },
    );
    const s16 = await t.boot('CP1', 'ocpp1.6');
    const s201 = await t.boot('CP2', 'ocpp2.0.1');
    expect(await s16.call('Authorize', { idTag: 'T' })).toMatchObject([
      3,
      expect.any(String),
      { idTagInfo: { status: 'Blocked' } },
    ]);
    expect(await s201.call('Authorize', { idToken: { idToken: 'T', type: 'ISO14443' } })).toMatchObject([
      3,
      expect.any(String),
      { idTokenInfo: { status: 'Blocked' } },
    ]);
  });
});

describe('inspection', () => {
  it('streams every station actor to an XState inspection observer', async () => {
    const seen: { type: string; actorRef?: { id: string }; snapshot?: { value?: unknown } }[] = [];
    const t = await startCsms({ inspect: (e) => seen.push(e as unknown as (typeof seen)[number]) });
    await t.boot('CP1');
    expect(seen.some((e) => e.type === '@xstate.actor' && e.actorRef?.id === 'CP1')).toBe(true);
    const last = seen.filter((e) => e.type === '@xstate.snapshot' && e.actorRef?.id === 'CP1').at(-1);
    expect(last?.snapshot?.value).toEqual({ connection: 'open', registration: 'accepted' });
  });
});

describe('offline queue settings (replay)', () => {
  it('replay.maxAttempts drops a command the station left unanswered that many times, as commandDropped', async () => {
    const t = await startCsms({ callTimeoutMs: 100, replay: { maxAttempts: 1 } });
    const dropped = nextEvent(t.csms, 'commandDropped', undefined, 5_000);
    await t.csms.enqueue('CP1', 'ClearCache', {});
    const s = await t.boot('CP1');
    await s.waitFor((m) => m[0] === 2 && m[2] === 'ClearCache');
    expect(await dropped).toMatchObject({ identity: 'CP1', action: 'ClearCache', attempts: 1 });
    expect(await t.csms.offlineQueueSize('CP1')).toBe(0);
  });
});
