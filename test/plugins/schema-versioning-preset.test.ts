import { afterEach, describe, expect, it } from 'vitest';
import { schemaVersioningPlugin } from '../../src/plugins/index.js';
import { RpcError } from '../../src/protocol/errors.js';
import { InMemorySessionStore } from '../../src/translation/session.js';
import { cleanup, gate, record, startCsms, until } from '../runtime/harness.js';
import {
  at,
  boot16,
  handlers201,
  type Seen,
  storeWithHeldCounter,
  v16to201,
} from './schema-versioning-support.js';

/** A 1.6 station's CALLs carried to 2.0.1 handlers through the translation engine's preset. */

afterEach(cleanup);

describe('schemaVersioningPlugin on the 1.6 -> 2.0.1 preset', () => {
  it('serves a 1.6 station from 2.0.1 handlers: boot, status, authorize and a whole transaction', async () => {
    const t = await startCsms({ plugins: [v16to201()] }, { defaults: false });
    const seen: Seen[] = [];
    handlers201(t.csms, seen);
    const s = await t.connect('CP16');

    expect(await s.call('BootNotification', boot16)).toEqual([
      3,
      expect.any(String),
      { status: 'Accepted', currentTime: expect.any(String), interval: 300 },
    ]);
    expect(seen.pop()).toEqual([
      'BootNotification',
      { reason: 'PowerUp', chargingStation: { vendorName: 'V', model: 'M' } },
    ]);
    // Accepted through the translated answer: the station's next CALLs are admitted.
    expect(
      await s.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' }),
    ).toEqual([3, expect.any(String), {}]);
    expect(seen.pop()).toEqual([
      'StatusNotification',
      expect.objectContaining({ connectorStatus: 'Available', evseId: 1, connectorId: 1 }),
    ]);
    expect(await s.call('Authorize', { idTag: 'BAD' })).toEqual([
      3,
      expect.any(String),
      { idTagInfo: { status: 'Blocked' } },
    ]);
    expect(seen.pop()).toEqual(['Authorize', { idToken: expect.objectContaining({ idToken: 'BAD' }) }]);

    const started = await s.call('StartTransaction', {
      connectorId: 1,
      idTag: 'TAG1',
      meterStart: 100,
      timestamp: at,
    });
    // A 1.6 integer for the station, whatever string id the handlers saw.
    expect(started).toEqual([
      3,
      expect.any(String),
      { transactionId: expect.any(Number), idTagInfo: { status: 'Accepted' } },
    ]);
    const transactionId16 = (started[2] as { transactionId: number }).transactionId;
    const [action, begin] = seen.pop()!;
    expect(action).toBe('TransactionEvent');
    expect(begin).toMatchObject({
      eventType: 'Started',
      seqNo: 0,
      evse: { id: 1, connectorId: 1 },
      idToken: { idToken: 'TAG1' },
      transactionInfo: { transactionId: expect.any(String) },
    });
    const transactionId = (begin.transactionInfo as { transactionId: string }).transactionId;

    const meter = {
      connectorId: 1,
      transactionId: transactionId16,
      meterValue: [{ timestamp: at, sampledValue: [{ value: '1500' }] }],
    };
    expect(await s.call('MeterValues', meter)).toEqual([3, expect.any(String), {}]);
    expect(seen.pop()).toEqual([
      'TransactionEvent',
      expect.objectContaining({ eventType: 'Updated', seqNo: 1, transactionInfo: { transactionId } }),
    ]);

    const stop = { transactionId: transactionId16, meterStop: 2000, timestamp: at, reason: 'Local' };
    expect(await s.call('StopTransaction', stop)).toEqual([3, expect.any(String), {}]);
    expect(seen.pop()).toEqual([
      'TransactionEvent',
      expect.objectContaining({
        eventType: 'Ended',
        seqNo: 2,
        transactionInfo: expect.objectContaining({ transactionId }),
      }),
    ]);
    expect(seen).toEqual([]);
  });

  it('lets a rule override the preset for its action, down as well as up', async () => {
    const rule = {
      method: 'Authorize',
      transform: (p: Record<string, unknown>, direction: 'up' | 'down') =>
        direction === 'up'
          ? { idToken: { idToken: `rule-${p.idTag as string}`, type: 'Central' } }
          : { idTagInfo: { status: 'Invalid' } },
    };
    const t = await startCsms({ plugins: [v16to201({ rules: [rule] })] }, { defaults: false });
    const seen: Seen[] = [];
    handlers201(t.csms, seen);
    const s = await t.connect('CP16');
    await s.call('BootNotification', boot16);
    expect(await s.call('Authorize', { idTag: 'T' })).toEqual([
      3,
      expect.any(String),
      { idTagInfo: { status: 'Invalid' } },
    ]);
    expect(seen.pop()).toEqual(['Authorize', { idToken: { idToken: 'rule-T', type: 'Central' } }]);
    // Actions without a rule still go through the preset.
    expect((await s.call('Heartbeat', {}))[0]).toBe(3);
    expect(seen.pop()?.[0]).toBe('Heartbeat');
  });

  it("answers a handler's CALLERROR with the code as the 1.6 station spells it", async () => {
    const t = await startCsms({ plugins: [v16to201()] }, { defaults: false });
    handlers201(t.csms, []);
    t.csms.handle('ocpp2.0.1', 'Authorize', () => {
      throw new RpcError('FormatViolation', 'no such token format');
    });
    const s = await t.connect('CP16');
    await s.call('BootNotification', boot16);
    expect(await s.call('Authorize', { idTag: 'T' })).toEqual([
      4,
      expect.any(String),
      'FormationViolation',
      'no such token format',
      {},
    ]);
  });

  it("keeps a station's CALLs in order when the first one's translation waits on the store", async () => {
    const held = gate();
    const t = await startCsms(
      { plugins: [v16to201({ sessionStore: storeWithHeldCounter(held.promise) })] },
      { defaults: false },
    );
    const seen: Seen[] = [];
    handlers201(t.csms, seen);
    const s = await t.connect('CP16');
    await s.call('BootNotification', boot16);
    seen.length = 0;
    // The StartTransaction's id is minted from the store (held); the Heartbeat comes right behind it.
    const start = s.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: at });
    const beat = s.call('Heartbeat', {});
    const answers: string[] = [];
    void start.then(() => answers.push('start'));
    void beat.then(() => answers.push('heartbeat'));
    await s.expectSilence();
    expect(seen).toEqual([]);
    held.open();
    await Promise.all([start, beat]);
    expect(seen.map(([action]) => action)).toEqual(['TransactionEvent', 'Heartbeat']);
    expect(answers).toEqual(['start', 'heartbeat']);
  });

  it('answers InternalError and reports pluginError when a translation fails, or at the time limit when it hangs', async () => {
    let mode: 'fail' | 'hang' = 'fail';
    const late = gate<number>();
    class BrokenStore extends InMemorySessionStore {
      override increment(name: string): Promise<number> {
        if (mode === 'hang') return late.promise;
        return Promise.reject(new Error(`store down (${name})`));
      }
    }
    // ocpp-ws-io's per-plugin logger is told of the failure too.
    const logged: unknown[][] = [];
    const logger = { warn: (...args: unknown[]) => logged.push(args) };
    const t = await startCsms(
      { plugins: [v16to201({ sessionStore: new BrokenStore(), logger })], handlerTimeoutMs: 300 },
      { defaults: false },
    );
    const seen: Seen[] = [];
    handlers201(t.csms, seen);
    const events = record(t.csms, 'pluginError', 'handlerError');
    const s = await t.connect('CP16');
    await s.call('BootNotification', boot16);
    seen.length = 0;
    const start = { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: at };
    expect(await s.call('StartTransaction', start)).toEqual([
      4,
      expect.any(String),
      'InternalError',
      expect.any(String),
      {},
    ]);
    expect(events.pluginError).toEqual([
      expect.objectContaining({ plugin: 'schema-versioning', error: expect.any(Error) }),
    ]);
    expect(logged).toEqual([['[schema-versioning] translation:', events.pluginError[0]!.error]]);
    mode = 'hang';
    const hung = await s.call('StartTransaction', start);
    expect(hung.slice(0, 3)).toEqual([4, expect.any(String), 'InternalError']);
    expect(events.handlerError).toEqual([expect.objectContaining({ action: 'StartTransaction' })]);
    // The translation finishing after the limit does not reach the handler: the time was used up.
    late.open(1);
    // The queue moved on: the station is still served.
    expect((await s.call('Heartbeat', {}))[0]).toBe(3);
    expect(seen.map(([action]) => action)).toEqual(['Heartbeat']);
  });

  it('refuses CALLs beyond the flood limit while a translation holds the queue', async () => {
    const held = gate();
    const t = await startCsms(
      { plugins: [v16to201({ sessionStore: storeWithHeldCounter(held.promise) })], maxInboundWaiting: 1 },
      { defaults: false },
    );
    handlers201(t.csms, []);
    const s = await t.connect('CP16');
    await s.call('BootNotification', boot16);
    const start = s.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: at });
    const waiting = s.call('Heartbeat', {});
    expect(await s.call('Heartbeat', {})).toEqual([
      4,
      expect.any(String),
      'GenericError',
      expect.any(String),
      {},
    ]);
    held.open();
    expect((await start)[0]).toBe(3);
    expect((await waiting)[0]).toBe(3);
  });

  it('leaves an action neither a rule nor the preset covers as it is, or refuses it (unmatchedBehavior)', async () => {
    // A 2.0.1 station behind 1.6 handlers: ReservationStatusUpdate has no 1.6 counterpart in the preset.
    const plugin = (unmatchedBehavior: 'passthrough' | 'reject') =>
      schemaVersioningPlugin({ sourceVersion: 'ocpp2.0.1', targetVersion: 'ocpp1.6', unmatchedBehavior });
    const update = { reservationId: 1, reservationUpdateStatus: 'Expired' };
    const boot201 = { reason: 'PowerUp', chargingStation: { vendorName: 'V', model: 'M' } };
    for (const behavior of ['passthrough', 'reject'] as const) {
      const t = await startCsms({ plugins: [plugin(behavior)] }, { defaults: false });
      const seen: string[] = [];
      t.csms.handle('ocpp1.6', 'BootNotification', ({ payload }) => {
        seen.push(`1.6 Boot ${payload.chargePointVendor}`);
        return { status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 };
      });
      t.csms.handle('ocpp2.0.1', 'ReservationStatusUpdate', () => {
        seen.push('2.0.1 ReservationStatusUpdate');
        return {};
      });
      const s = await t.connect(`CP201-${behavior}`, { protocols: ['ocpp2.0.1'] });
      expect(await s.call('BootNotification', boot201)).toMatchObject([
        3,
        expect.any(String),
        { status: 'Accepted' },
      ]);
      const answer = await s.call('ReservationStatusUpdate', update);
      if (behavior === 'passthrough') {
        expect(answer).toEqual([3, expect.any(String), {}]);
        expect(seen).toEqual(['1.6 Boot V', '2.0.1 ReservationStatusUpdate']);
      } else {
        expect(answer).toEqual([4, expect.any(String), 'NotSupported', expect.any(String), {}]);
        expect(seen).toEqual(['1.6 Boot V']);
      }
    }
  });
});

describe('schemaVersioningPlugin on the 2.0.1 -> 1.6 preset', () => {
  it("serves a 2.0.1 station's transaction from 1.6 handlers, its charging state as a StatusNotification", async () => {
    const t = await startCsms(
      { plugins: [schemaVersioningPlugin({ sourceVersion: 'ocpp2.0.1', targetVersion: 'ocpp1.6' })] },
      { defaults: false },
    );
    const seen: Seen[] = [];
    const on = (action: string, answer: Record<string, unknown>) =>
      t.csms.handle(
        'ocpp1.6',
        action as never,
        (({ payload }: { payload: Record<string, unknown> }) => {
          seen.push([action, payload]);
          return answer;
        }) as never,
      );
    on('BootNotification', { status: 'Accepted', currentTime: at, interval: 300 });
    on('StartTransaction', { transactionId: 42, idTagInfo: { status: 'Accepted' } });
    on('StatusNotification', {});
    on('MeterValues', {});
    const s = await t.connect('CP201', { protocols: ['ocpp2.0.1'] });
    await s.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'V', model: 'M' } });
    const event = (eventType: string, seqNo: number, extra: Record<string, unknown>) => ({
      eventType,
      timestamp: at,
      triggerReason: 'Authorized',
      seqNo,
      evse: { id: 1, connectorId: 1 },
      ...extra,
    });
    expect(
      await s.call(
        'TransactionEvent',
        event('Started', 0, {
          transactionInfo: { transactionId: 'tx-1' },
          idToken: { idToken: 'TAG1', type: 'ISO14443' },
        }),
      ),
    ).toEqual([3, expect.any(String), { idTokenInfo: { status: 'Accepted' } }]);
    const meterValue = [{ timestamp: at, sampledValue: [{ value: 1500 }] }];
    expect(
      await s.call(
        'TransactionEvent',
        event('Updated', 1, {
          transactionInfo: { transactionId: 'tx-1', chargingState: 'Charging' },
          meterValue,
        }),
      ),
    ).toEqual([3, expect.any(String), {}]);
    await until(() => seen.some(([action]) => action === 'StatusNotification'));
    expect(seen.map(([action]) => action)).toEqual([
      'BootNotification',
      'StartTransaction',
      'MeterValues',
      'StatusNotification',
    ]);
    expect(seen[2]![1]).toMatchObject({ connectorId: 1, transactionId: 42 });
    expect(seen[3]![1]).toMatchObject({ connectorId: 1, status: 'Charging', errorCode: 'NoError' });
  });
});
