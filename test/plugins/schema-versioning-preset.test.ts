import { afterEach, describe, expect, it } from 'vitest';
import type { Csms } from '../../src/actors/csms.js';
import { schemaVersioningPlugin } from '../../src/plugins/index.js';
import { RpcError } from '../../src/protocol/errors.js';
import { InMemorySessionStore } from '../../src/translation/session.js';
import { cleanup, gate, record, startCsms } from '../runtime/harness.js';

/**
 * A 1.6 station (a raw socket, checked by the CSMS's strict validation) against a CSMS whose handlers
 * are all 2.0.1 ones: the plugin carries each CALL through the translation engine's preset.
 */

afterEach(cleanup);

const v16to201 = (extra: Partial<Parameters<typeof schemaVersioningPlugin>[0]> = {}) =>
  schemaVersioningPlugin({ sourceVersion: 'ocpp1.6', targetVersion: 'ocpp2.0.1', ...extra });

type Seen = [action: string, payload: Record<string, unknown>];

/** 2.0.1 handlers only, each recording what it got. */
function handlers201(csms: Csms, seen: Seen[]): void {
  const on = (action: string, answer: (p: Record<string, unknown>) => Record<string, unknown>) =>
    csms.handle(
      'ocpp2.0.1',
      action as never,
      (({ payload }: { payload: Record<string, unknown> }) => {
        seen.push([action, payload]);
        return answer(payload);
      }) as never,
    );
  on('BootNotification', () => ({
    status: 'Accepted',
    currentTime: new Date().toISOString(),
    interval: 300,
  }));
  on('StatusNotification', () => ({}));
  on('Heartbeat', () => ({ currentTime: new Date().toISOString() }));
  on('Authorize', (p) => ({
    idTokenInfo: { status: (p.idToken as { idToken: string }).idToken === 'BAD' ? 'Blocked' : 'Accepted' },
  }));
  on('TransactionEvent', (p) => (p.eventType === 'Started' ? { idTokenInfo: { status: 'Accepted' } } : {}));
}

const boot16 = { chargePointVendor: 'V', chargePointModel: 'M' };
const at = '2026-01-01T00:00:00.000Z';

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
    class SlowStore extends InMemorySessionStore {
      override async increment(name: string): Promise<number> {
        await held.promise;
        return super.increment(name);
      }
    }
    const t = await startCsms(
      { plugins: [v16to201({ sessionStore: new SlowStore() })] },
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
    const t = await startCsms(
      { plugins: [v16to201({ sessionStore: new BrokenStore() })], handlerTimeoutMs: 300 },
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
    class SlowStore extends InMemorySessionStore {
      override async increment(name: string): Promise<number> {
        await held.promise;
        return super.increment(name);
      }
    }
    const t = await startCsms(
      { plugins: [v16to201({ sessionStore: new SlowStore() })], maxInboundWaiting: 1 },
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

  it("sends the application's 2.0.1 calls to a 1.6 station translated, and its answers back", async () => {
    const t = await startCsms({ plugins: [v16to201()] }, { defaults: false });
    handlers201(t.csms, []);
    const s = await t.connect('CP16');
    await s.call('BootNotification', boot16);
    const asked = t.csms.call('CP16', 'RequestStartTransaction', {
      remoteStartId: 7,
      evseId: 1,
      idToken: { idToken: 'TAG9', type: 'Central' },
    } as never);
    const received = await s.nextMessage();
    expect(received).toEqual([
      2,
      expect.any(String),
      'RemoteStartTransaction',
      { connectorId: 1, idTag: 'TAG9' },
    ]);
    s.reply(received, { status: 'Accepted' });
    expect(await asked).toEqual({ status: 'Accepted' });

    // The station's CALLERROR reaches the caller spelled for 2.0.1.
    const reset = t.csms.call('CP16', 'Reset', { type: 'Immediate' } as never);
    const resetCall = await s.nextMessage();
    expect(resetCall).toEqual([2, expect.any(String), 'Reset', { type: 'Hard' }]);
    s.send([4, resetCall[1], 'FormationViolation', 'no', {}]);
    await expect(reset).rejects.toMatchObject({ code: 'FormatViolation' });
  });

  it("keeps the order of the application's calls when the first one's translation waits on the store", async () => {
    const held = gate();
    class SlowStore extends InMemorySessionStore {
      override async set(identity: string, key: string, value: unknown): Promise<void> {
        await held.promise;
        return super.set(identity, key, value);
      }
    }
    const t = await startCsms(
      { plugins: [v16to201({ sessionStore: new SlowStore() })] },
      { defaults: false },
    );
    handlers201(t.csms, []);
    const s = await t.connect('CP16');
    await s.call('BootNotification', boot16);
    // No EVSE named: the remote start waits in the store (held) for the station to pick a connector.
    const start = t.csms.call('CP16', 'RequestStartTransaction', {
      remoteStartId: 8,
      idToken: { idToken: 'TAG8', type: 'Central' },
    } as never);
    const unlock = t.csms.call('CP16', 'UnlockConnector', { evseId: 1, connectorId: 1 } as never);
    await s.expectSilence();
    held.open();
    const first = await s.nextMessage();
    expect(first).toEqual([2, expect.any(String), 'RemoteStartTransaction', { idTag: 'TAG8' }]);
    s.reply(first, { status: 'Accepted' });
    const second = await s.nextMessage();
    expect(second).toEqual([2, expect.any(String), 'UnlockConnector', { connectorId: 1 }]);
    s.reply(second, { status: 'Unlocked' });
    expect(await start).toEqual({ status: 'Accepted' });
    expect(await unlock).toEqual({ status: 'Unlocked' });
  });

  it('fails a call whose translation never settles at its timeout, and sends the next ones', async () => {
    const late = gate();
    class HangingStore extends InMemorySessionStore {
      override set(): Promise<void> {
        return late.promise;
      }
    }
    const t = await startCsms(
      { plugins: [v16to201({ sessionStore: new HangingStore() })] },
      { defaults: false },
    );
    handlers201(t.csms, []);
    const s = await t.connect('CP16');
    await s.call('BootNotification', boot16);
    const start = t.csms.call(
      'CP16',
      'RequestStartTransaction',
      { remoteStartId: 9, idToken: { idToken: 'TAG', type: 'Central' } } as never,
      { timeoutMs: 200 },
    );
    const unlock = t.csms.call('CP16', 'UnlockConnector', { evseId: 1, connectorId: 1 } as never);
    await expect(start).rejects.toMatchObject({ code: 'CALL_TIMEOUT' });
    const sent = await s.nextMessage();
    expect(sent).toEqual([2, expect.any(String), 'UnlockConnector', { connectorId: 1 }]);
    s.reply(sent, { status: 'Unlocked' });
    expect(await unlock).toEqual({ status: 'Unlocked' });
    // Its translation ending now does not send the call its caller was told had timed out.
    late.open();
    await s.expectSilence();
  });

  it('sends a SetVariables of two variables to a 1.6 station as two ChangeConfigurations, in order', async () => {
    const t = await startCsms({ plugins: [v16to201()] }, { defaults: false });
    handlers201(t.csms, []);
    const s = await t.connect('CP16');
    await s.call('BootNotification', boot16);
    const set = t.csms.call('CP16', 'SetVariables', {
      setVariableData: [
        {
          component: { name: 'OCPPCommCtrlr' },
          variable: { name: 'HeartbeatInterval' },
          attributeValue: '60',
        },
        {
          component: { name: 'SampledDataCtrlr' },
          variable: { name: 'TxUpdatedInterval' },
          attributeValue: '30',
        },
      ],
    } as never);
    // Made after the batch: it reaches the station only once the batch is over.
    const unlock = t.csms.call('CP16', 'UnlockConnector', { evseId: 1, connectorId: 1 } as never);
    const first = await s.nextMessage();
    expect(first).toEqual([
      2,
      expect.any(String),
      'ChangeConfiguration',
      { key: 'HeartbeatInterval', value: '60' },
    ]);
    s.reply(first, { status: 'Accepted' });
    const second = await s.nextMessage();
    expect(second).toEqual([
      2,
      expect.any(String),
      'ChangeConfiguration',
      { key: 'MeterValueSampleInterval', value: '30' },
    ]);
    s.send([4, second[1], 'NotSupported', 'read-only here', {}]);
    expect(await set).toEqual({
      setVariableResult: [
        expect.objectContaining({ attributeStatus: 'Accepted', variable: { name: 'HeartbeatInterval' } }),
        expect.objectContaining({ attributeStatus: 'Rejected', variable: { name: 'TxUpdatedInterval' } }),
      ],
    });
    const third = await s.nextMessage();
    expect(third[2]).toBe('UnlockConnector');
    s.reply(third, { status: 'Unlocked' });
    await unlock;
  });
});
