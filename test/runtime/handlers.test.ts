import { afterEach, describe, expect, it } from 'vitest';
import { RpcError } from '../../src/protocol/errors.js';
import { NOREPLY } from '../../src/rpc/handlers.js';
import { cleanup, expectServed, gate, nextEvent, record, startCsms, within } from './harness.js';

afterEach(cleanup);

describe('strict validation of inbound CALLs', () => {
  it.each([
    ['ocpp1.6', { chargePointVendor: 'V' }, 'OccurenceConstraintViolation'],
    ['ocpp2.0.1', { reason: 'PowerUp' }, 'OccurrenceConstraintViolation'],
    ['ocpp2.1', { reason: 'PowerUp' }, 'OccurrenceConstraintViolation'],
    ['ocpp1.6', { chargePointVendor: 'V', chargePointModel: 42 }, 'TypeConstraintViolation'],
  ])('%s: invalid BootNotification %j gets %s', async (v, payload, code) => {
    const t = await startCsms();
    const other = await t.boot('OTHER', v);
    const s = await t.connect('CP1', { protocols: [v] });
    let ran = false;
    t.csms.handle('BootNotification', () => {
      ran = true;
      return { status: 'Accepted', currentTime: new Date().toISOString(), interval: 60 };
    });
    const failed = nextEvent(t.csms, 'validationFailure');
    expect(await s.call('BootNotification', payload, 'b1')).toEqual([4, 'b1', code, expect.any(String), {}]);
    expect(await failed).toMatchObject({
      direction: 'IN',
      message: { type: 2, messageId: 'b1' },
      station: { identity: 'CP1' },
    });
    expect(ran).toBe(false);
    expect(t.csms.station('CP1')?.registration).toBe('unregistered');
    await expectServed(other);
  });

  it('answers InternalError when a handler returns an invalid response (validationFailure OUT)', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1', 'ocpp2.0.1');
    const other = await t.boot('CP2', 'ocpp2.0.1');
    // @ts-expect-error a Heartbeat response needs currentTime
    t.csms.handle('Heartbeat', ({ station }) =>
      station.identity === 'CP1' ? {} : { currentTime: new Date().toISOString() },
    );
    const failed = nextEvent(t.csms, 'validationFailure');
    expect(await s.call('Heartbeat', {}, 'h1')).toEqual([4, 'h1', 'InternalError', expect.any(String), {}]);
    expect(await failed).toMatchObject({
      direction: 'OUT',
      message: { type: 3, messageId: 'h1', payload: {} },
    });
    await expectServed(other);
  });

  it.each([
    ['ocpp1.6', 'FrobnicateWidget', 'NotImplemented', {}, 'not-implemented'],
    ['ocpp2.0.1', 'FrobnicateWidget', 'NotImplemented', {}, 'not-implemented'],
    // Known, but a station does not send it to a CSMS.
    ['ocpp1.6', 'Reset', 'NotSupported', { type: 'Soft' }, 'not-supported'],
    // Known and sent by stations, but this CSMS has no handler for it.
    ['ocpp1.6', 'SignCertificate', 'NotSupported', { csr: 'x' }, 'not-supported'],
  ])('%s %s gets %s', async (v, action, code, payload, reason) => {
    const t = await startCsms();
    const s = await t.boot('CP1', v);
    const other = await t.boot('CP2', v);
    const refused = nextEvent(t.csms, 'callRefused');
    expect(await s.call(action, payload, 'x1')).toEqual([4, 'x1', code, expect.any(String), {}]);
    expect(await refused).toMatchObject({ action, messageId: 'x1', reason });
    await expectServed(other);
  });
});

describe('handler outcomes', () => {
  it('awaits any thenable a handler returns, not only a native Promise', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1');
    // A thenable from another promise library or a query builder: not `instanceof Promise`.
    const thenable = <T>(value: T, fail = false): PromiseLike<T> => ({
      // biome-ignore lint/suspicious/noThenProperty: the object under test is a thenable
      then: (ok, ko) => {
        queueMicrotask(() => (fail ? ko?.(new Error('later')) : ok?.(value)));
        return undefined as never;
      },
    });
    t.csms.handle('Heartbeat', () => thenable({ currentTime: '2025-01-02T03:04:05.000Z' }));
    expect(await s.call('Heartbeat', {}, 'h1')).toEqual([
      3,
      'h1',
      { currentTime: '2025-01-02T03:04:05.000Z' },
    ]);
    const failed = nextEvent(t.csms, 'handlerError');
    t.csms.handle('StatusNotification', () => thenable({}, true));
    const status = { connectorId: 1, errorCode: 'NoError', status: 'Available' };
    expect(await s.call('StatusNotification', status, 's1')).toEqual([
      4,
      's1',
      'InternalError',
      expect.any(String),
      {},
    ]);
    expect((await failed).error).toMatchObject({ message: 'later' });
  });

  it('a throwing handler gives InternalError without leaking the message, and handlerError', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1');
    const other = await t.boot('CP2');
    t.csms.handle('ocpp1.6', 'Authorize', ({ station }) => {
      if (station.identity === 'CP1') throw new Error('db password is hunter2');
      return { idTagInfo: { status: 'Accepted' as const } };
    });
    const events = record(t.csms, 'handlerError');
    const reply = await s.call('Authorize', { idTag: 'T1' }, 'a1');
    expect(reply).toEqual([4, 'a1', 'InternalError', expect.any(String), {}]);
    expect(JSON.stringify(reply)).not.toContain('hunter2');
    expect(events.handlerError).toMatchObject([
      { action: 'Authorize', messageId: 'a1', error: { message: 'db password is hunter2' } },
    ]);
    expect(await other.call('Authorize', { idTag: 'T1' })).toEqual([
      3,
      expect.any(String),
      { idTagInfo: { status: 'Accepted' } },
    ]);
  });

  it('exposeErrors sends the message of a rejected async handler', async () => {
    const t = await startCsms({ exposeErrors: true });
    const s = await t.boot('CP1');
    t.csms.handle('ocpp1.6', 'Authorize', async () => {
      throw new Error('token store offline');
    });
    expect(await s.call('Authorize', { idTag: 'T1' }, 'a1')).toEqual([
      4,
      'a1',
      'InternalError',
      'token store offline',
      {},
    ]);
  });

  it.each([
    ['ocpp1.6', 'PropertyConstraintViolation'],
    ['ocpp2.0.1', 'PropertyConstraintViolation'],
  ])(
    '%s: a handler raising RpcError answers with its code and description, no handlerError',
    async (v, code) => {
      const t = await startCsms();
      const s = await t.boot('CP1', v);
      const events = record(t.csms, 'handlerError');
      t.csms.handle('Heartbeat', () => {
        throw new RpcError('PropertyConstraintViolation', 'x', { field: 'y' });
      });
      expect(await s.call('Heartbeat', {}, 'h1')).toEqual([4, 'h1', code, 'x', { field: 'y' }]);
      expect(events.handlerError).toEqual([]);
    },
  );

  it('spells a raised OccurrenceConstraintViolation the 1.6 way on 1.6', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1', 'ocpp1.6');
    t.csms.handle('Heartbeat', async () => {
      throw new RpcError('OccurrenceConstraintViolation', 'missing');
    });
    expect(await s.call('Heartbeat', {}, 'h1')).toEqual([
      4,
      'h1',
      'OccurenceConstraintViolation',
      'missing',
      {},
    ]);
  });

  it('a handler exceeding handlerTimeoutMs gets InternalError and the station is served again', async () => {
    const t = await startCsms({ handlerTimeoutMs: 50 });
    const s = await t.boot('CP1');
    const other = await t.boot('CP2');
    let slow = true;
    const never = gate();
    t.csms.handle('Heartbeat', async ({ station }) => {
      // Ignores its signal and never finishes on its own: only the time limit answers the station.
      if (slow && station.identity === 'CP1') await never.promise;
      return { currentTime: new Date().toISOString() };
    });
    const failed = nextEvent(t.csms, 'handlerError');
    const started = Date.now();
    expect(await s.call('Heartbeat', {}, 'h1')).toEqual([4, 'h1', 'InternalError', expect.any(String), {}]);
    expect(Date.now() - started).toBeLessThan(500);
    expect((await failed).error).toMatchObject({ name: 'HandlerTimeoutError', code: 'HANDLER_TIMEOUT' });
    await expectServed(other);
    slow = false;
    await expectServed(s);
    never.open();
  });

  it('NOREPLY sends no answer at all', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1');
    const ran = gate();
    t.csms.handle('Heartbeat', () => {
      ran.open();
      return NOREPLY;
    });
    s.send([2, 'h1', 'Heartbeat', {}]);
    await within(ran.promise, 'handler ran');
    await s.expectSilence();
  });

  it('aborts the handler signal when the station disconnects, also when read after the disconnect', async () => {
    const t = await startCsms();
    const s = await t.boot('CP1');
    const other = await t.boot('CP2');
    const started = gate<{ early: AbortSignal; late: () => AbortSignal }>();
    t.csms.handle('ocpp1.6', 'Authorize', (ctx) => {
      started.open({ early: ctx.signal, late: () => ctx.signal });
      return new Promise(() => {});
    });
    s.send([2, 'a1', 'Authorize', { idTag: 'T1' }]);
    const { early, late } = await within(started.promise, 'handler started');
    expect(early.aborted).toBe(false);
    const gone = nextEvent(t.csms, 'disconnected');
    await s.close();
    await gone;
    expect(early.aborted).toBe(true);
    // A handler that checks its signal after an await must see the disconnect too.
    expect(late().aborted).toBe(true);
    await expectServed(other);
  });

  it('ctx.abandoned turns true, without the signal ever being read, on a disconnect and at the time limit', async () => {
    const t = await startCsms({ handlerTimeoutMs: 150 });
    const s = await t.boot('CP1');
    const other = await t.boot('CP2');
    const contexts: { abandoned: boolean }[] = [];
    const started = [gate<void>(), gate<void>()];
    t.csms.handle('ocpp1.6', 'Authorize', (ctx) => {
      started[contexts.push(ctx) - 1]!.open();
      return new Promise(() => {});
    });
    expect((await other.call('Authorize', { idTag: 'T1' }, 'a1'))[2]).toBe('InternalError');
    expect(contexts[0]!.abandoned).toBe(true);
    s.send([2, 'a2', 'Authorize', { idTag: 'T2' }]);
    await within(started[1]!.promise, 'second handler started');
    expect(contexts[1]!.abandoned).toBe(false);
    const gone = nextEvent(t.csms, 'disconnected');
    await s.close();
    await gone;
    expect(contexts[1]!.abandoned).toBe(true);
  });

  it('aborts the handler signal when the handler exceeds handlerTimeoutMs', async () => {
    const t = await startCsms({ handlerTimeoutMs: 30 });
    const s = await t.boot('CP1');
    const aborted = gate<unknown>();
    t.csms.handle('ocpp1.6', 'Authorize', ({ signal }) => {
      signal.addEventListener('abort', () => aborted.open(signal.reason));
      return new Promise(() => {});
    });
    expect((await s.call('Authorize', { idTag: 'T1' }, 'a1'))[2]).toBe('InternalError');
    expect(await within(aborted.promise, 'signal aborted')).toMatchObject({ name: 'HandlerTimeoutError' });
    expect(s.isOpen).toBe(true);
  });
});

describe('the station handle users hold', () => {
  it('is one narrow object for handlers, events and handleOf: no RPC or socket internals reachable', async () => {
    const t = await startCsms();
    const seen: unknown[] = [];
    t.csms.on('connected', (e) => seen.push(e.station));
    t.csms.on('message', (e) => seen.push(e.station));
    const contextKeys: string[] = [];
    t.csms.handle('BootNotification', (ctx) => {
      const { station } = ctx;
      for (const k of ['socket', 'frame', 'isSend', 'started']) if (k in ctx) contextKeys.push(k);
      seen.push(station);
      return { status: 'Accepted', currentTime: new Date().toISOString(), interval: 60 };
    });
    await t.boot('CP1');
    const handle = t.csms.handleOf('CP1')!;
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (const s of seen) expect(s).toBe(handle);
    expect(handle).toMatchObject({ identity: 'CP1', protocol: 'ocpp1.6', connected: true });
    expect(handle.snapshot()).toMatchObject({ identity: 'CP1', registration: 'accepted' });
    // Only what a user may touch: not the endpoint's receive/attach/answer path or keep-alive flags.
    expect(Object.keys(handle)).toEqual([]);
    for (const internal of ['receive', 'attach', 'handlerReturned', 'handlerFailed', 'alive', 'actor', 'ws'])
      expect(internal in handle, internal).toBe(false);
    // Nor does the handler's context carry the connection's socket or the raw frame.
    expect(contextKeys).toEqual([]);
  });
});
