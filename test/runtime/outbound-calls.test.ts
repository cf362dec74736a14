import { afterEach, describe, expect, it } from 'vitest';
import {
  BreakerOpenError,
  CallQueueFullError,
  CallTimeoutError,
  RegistrationError,
  StationDisconnectedError,
  StationNotConnectedError,
} from '../../src/actors/errors.js';
import { RpcError } from '../../src/protocol/errors.js';
import { cleanup, expectServed, nextEvent, record, startCsms } from './harness.js';

afterEach(cleanup);

const isCall = (m: unknown[]) => m[0] === 2;
const reset = { type: 'Soft' } as const;

describe('csms.call', () => {
  it("resolves with the station's CALLRESULT payload", async () => {
    const t = await startCsms();
    const s = await t.boot('CP1');
    const result = t.csms.call('CP1', 'Reset', reset);
    const call = await s.nextMessage();
    expect(call).toEqual([2, expect.any(String), 'Reset', { type: 'Soft' }]);
    s.reply(call, { status: 'Accepted' });
    expect(await result).toEqual({ status: 'Accepted' });
  });

  it.each([
    ['ocpp1.6', 'OccurenceConstraintViolation'],
    ['ocpp2.0.1', 'OccurrenceConstraintViolation'],
  ])('%s: a CALLERROR rejects with RpcError whose code is the wire code', async (v, code) => {
    const t = await startCsms();
    const s = await t.boot('CP1', v);
    const result = t.csms.call('CP1', 'Reset', v === 'ocpp1.6' ? reset : { type: 'Immediate' });
    const call = await s.nextMessage();
    s.send([4, call[1], code, 'missing field', { where: 'type' }]);
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({
      code,
      kind: 'OccurrenceConstraintViolation',
      description: 'missing field',
    });
    expect((error as RpcError).details).toEqual({ where: 'type' });
  });

  it('rejects with CallTimeoutError when the station never answers, and the next call goes out', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1');
    const started = Date.now();
    await expect(t.csms.call('CP1', 'Reset', reset, { timeoutMs: 60 })).rejects.toBeInstanceOf(
      CallTimeoutError,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    await s.nextMessage();
    const next = t.csms.call('CP1', 'ClearCache', {});
    const call = await s.nextMessage();
    expect(call[2]).toBe('ClearCache');
    s.reply(call, { status: 'Accepted' });
    await expect(next).resolves.toEqual({ status: 'Accepted' });
  });

  it('keeps one CALL in flight: the second goes out only after the first is answered', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1');
    const first = t.csms.call('CP1', 'Reset', reset);
    const second = t.csms.call('CP1', 'ClearCache', {});
    const c1 = await s.nextMessage();
    expect(c1[2]).toBe('Reset');
    expect(t.csms.station('CP1')?.queuedCalls).toBe(2);
    await s.expectSilence();
    s.reply(c1, { status: 'Accepted' });
    const c2 = await s.nextMessage();
    expect(c2[2]).toBe('ClearCache');
    s.reply(c2, { status: 'Rejected' });
    expect(await first).toEqual({ status: 'Accepted' });
    expect(await second).toEqual({ status: 'Rejected' });
  });

  it('throws CallQueueFullError beyond maxQueuedCalls', async () => {
    const t = await startCsms({ maxQueuedCalls: 1 });
    const s = await t.boot('CP1');
    const inFlight = t.csms.call('CP1', 'Reset', reset);
    const waiting = t.csms.call('CP1', 'ClearCache', {});
    await expect(t.csms.call('CP1', 'ClearCache', {})).rejects.toBeInstanceOf(CallQueueFullError);
    const c1 = await s.nextMessage();
    s.reply(c1, { status: 'Accepted' });
    s.reply(await s.nextMessage(), { status: 'Accepted' });
    await expect(Promise.all([inFlight, waiting])).resolves.toHaveLength(2);
  });

  it('rejects the in-flight and the queued calls with StationDisconnectedError on disconnect', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1');
    const inFlight = t.csms.call('CP1', 'Reset', reset).catch((e: unknown) => e);
    const queued = t.csms.call('CP1', 'ClearCache', {}).catch((e: unknown) => e);
    await s.nextMessage();
    await s.close();
    const [a, b] = await Promise.all([inFlight, queued]);
    expect(a).toBeInstanceOf(StationDisconnectedError);
    expect(a).toMatchObject({ identity: 'CP1', sent: true });
    expect(b).toBeInstanceOf(StationDisconnectedError);
    expect(b).toMatchObject({ sent: false });
    await expect(t.csms.call('CP1', 'Reset', reset)).rejects.toBeInstanceOf(StationNotConnectedError);
  });

  it('refuses calls a registration does not allow (unregistered: only triggers)', async () => {
    const t = await startCsms();
    await t.connect('CP1');
    await expect(t.csms.call('CP1', 'Reset', reset)).rejects.toBeInstanceOf(RegistrationError);
  });
});

describe('invalid CALLRESULTs from the station', () => {
  it.each([
    ['ocpp1.6', { type: 'Soft' }, undefined],
    ['ocpp2.1', { type: 'Immediate' }, 'PropertyConstraintViolation'],
  ] as const)(
    '%s: rejects the call; answered with a CALLRESULTERROR only in 2.1',
    async (v, request, code) => {
      const t = await startCsms();
      const s = await t.boot('CP1', v);
      const other = await t.boot('CP2', v);
      const failed = nextEvent(t.csms, 'validationFailure');
      const result = t.csms.call('CP1', 'Reset', request).catch((e: unknown) => e);
      const call = await s.nextMessage();
      s.reply(call, { status: 'Maybe' });
      expect(await result).toMatchObject({ kind: 'PropertyConstraintViolation' });
      expect(await failed).toMatchObject({ direction: 'IN', message: { type: 3, messageId: call[1] } });
      if (code) expect(await s.nextMessage()).toEqual([5, call[1], code, expect.any(String), {}]);
      else await s.expectSilence();
      await expectServed(other);
    },
  );
});

describe('strict outbound checks (nothing reaches the station)', () => {
  it('refuses an invalid outbound payload locally', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1');
    const failure = t.csms
      // @ts-expect-error 'Bogus' is not a ResetType
      .call('CP1', 'Reset', { type: 'Bogus' })
      .catch((e: unknown) => e);
    expect(await failure).toMatchObject({ kind: 'PropertyConstraintViolation' });
    await s.expectSilence();
    await expectServed(s);
  });

  it('refuses to send BootNotification (a CSMS never calls it) with NotSupported', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1');
    const failure = t.csms
      // @ts-expect-error BootNotification is not a CSMS-to-station action
      .call('CP1', 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' })
      .catch((e: unknown) => e);
    await expect(failure).resolves.toBeInstanceOf(RpcError);
    expect(await failure).toMatchObject({ kind: 'NotSupported' });
    await s.expectSilence();
  });
});

describe('circuit breaker', () => {
  it('opens after failureThreshold timeouts, then fails fast without sending', async () => {
    const t = await startCsms({ breaker: { failureThreshold: 2, resetTimeoutMs: 60_000 } });
    const s = await t.boot('CP1');
    const other = await t.boot('CP2');
    const events = record(t.csms, 'breakerChanged');
    for (let i = 0; i < 2; i++) {
      await expect(t.csms.call('CP1', 'Reset', reset, { timeoutMs: 30 })).rejects.toBeInstanceOf(
        CallTimeoutError,
      );
    }
    expect(events.breakerChanged).toEqual([{ identity: 'CP1', from: 'closed', to: 'open' }]);
    expect(t.csms.station('CP1')?.breaker).toBe('open');
    const sent = s.received.filter(isCall).length;
    const error = await t.csms.call('CP1', 'Reset', reset).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BreakerOpenError);
    expect(error).toMatchObject({ identity: 'CP1', state: 'open', code: 'BREAKER_OPEN' });
    await s.expectSilence();
    expect(s.received.filter(isCall)).toHaveLength(sent);
    // Only CP1's breaker opened; the station's own calls are still served.
    expect(t.csms.station('CP2')?.breaker).toBe('closed');
    await expectServed(s);
    await expectServed(other);
  });

  it('half-opens after resetTimeoutMs and closes again on a successful probe', async () => {
    const t = await startCsms({ breaker: { failureThreshold: 1, resetTimeoutMs: 50 } });
    const s = await t.boot('CP1');
    await expect(t.csms.call('CP1', 'Reset', reset, { timeoutMs: 20 })).rejects.toBeInstanceOf(
      CallTimeoutError,
    );
    await s.nextMessage();
    await nextEvent(t.csms, 'breakerChanged', (e) => e.to === 'halfOpen');
    const closed = nextEvent(t.csms, 'breakerChanged', (e) => e.to === 'closed');
    const probe = t.csms.call('CP1', 'Reset', reset);
    s.reply(await s.nextMessage(), { status: 'Accepted' });
    await expect(probe).resolves.toEqual({ status: 'Accepted' });
    expect(await closed).toEqual({ identity: 'CP1', from: 'halfOpen', to: 'closed' });
  });
});
