import { afterEach, describe, expect, it } from 'vitest';
import { schemaVersioningPlugin } from '../../src/plugins/index.js';
import { InMemorySessionStore } from '../../src/translation/session.js';
import { cleanup, gate, record, startCsms, until } from '../runtime/harness.js';
import { at, boot16, handlers201, v16to201 } from './schema-versioning-support.js';

/** The application's 2.0.1 calls to a 1.6 station, carried down through the preset, and the answers up. */

afterEach(cleanup);

/** A CSMS with 2.0.1 handlers behind the plugin (`options`), and a 1.6 station CP16 booted through it. */
async function bootedBehind(options: Parameters<typeof v16to201>[0] = {}) {
  const t = await startCsms({ plugins: [v16to201(options)] }, { defaults: false });
  handlers201(t.csms, []);
  const s = await t.connect('CP16');
  await s.call('BootNotification', boot16);
  return { t, s };
}

describe('schemaVersioningPlugin on the 1.6 -> 2.0.1 preset, calls to the station', () => {
  it("sends the application's 2.0.1 calls to a 1.6 station translated, and its answers back", async () => {
    const { t, s } = await bootedBehind({ outbound: true });
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

  it("leaves the application's calls as they are unless outbound is on (a 1.6 Reset stays a 1.6 Reset)", async () => {
    const { t, s } = await bootedBehind();
    const reset = t.csms.call('CP16', 'Reset', { type: 'Soft' } as never);
    const resetCall = await s.nextMessage();
    // With outbound on, { type: 'Soft' } is no 2.0.1 Reset (OnIdle | Immediate) and would not go out as this.
    expect(resetCall).toEqual([2, expect.any(String), 'Reset', { type: 'Soft' }]);
    s.reply(resetCall, { status: 'Accepted' });
    expect(await reset).toEqual({ status: 'Accepted' });
  });

  it("keeps the order of the application's calls when the first one's translation waits on the store", async () => {
    const held = gate();
    class SlowStore extends InMemorySessionStore {
      override async set(identity: string, key: string, value: unknown): Promise<void> {
        await held.promise;
        return super.set(identity, key, value);
      }
    }
    const { t, s } = await bootedBehind({ outbound: true, sessionStore: new SlowStore() });
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
    const { t, s } = await bootedBehind({ outbound: true, sessionStore: new HangingStore() });
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
    const { t, s } = await bootedBehind({ outbound: true });
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

  it("answers GetBaseReport from the station's configuration and hands its NotifyReport parts to the handler", async () => {
    const t = await startCsms({ plugins: [v16to201({ outbound: true })] }, { defaults: false });
    handlers201(t.csms, []);
    const reports: unknown[] = [];
    t.csms.handle('ocpp2.0.1', 'NotifyReport', ({ payload, station }) => {
      reports.push([station.identity, payload]);
      return {};
    });
    const errors = record(t.csms, 'pluginError');
    const s = await t.connect('CP16');
    await s.call('BootNotification', boot16);
    const report = t.csms.call('CP16', 'GetBaseReport', {
      requestId: 5,
      reportBase: 'FullInventory',
    } as never);
    const asked = await s.nextMessage();
    expect(asked).toEqual([2, expect.any(String), 'GetConfiguration', {}]);
    s.reply(asked, { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '60' }] });
    expect(await report).toEqual({ status: 'Accepted' });
    await until(() => reports.length > 0);
    expect(reports).toEqual([
      [
        'CP16',
        expect.objectContaining({
          requestId: 5,
          tbc: false,
          reportData: [
            expect.objectContaining({
              component: { name: 'OCPPCommCtrlr' },
              variable: { name: 'HeartbeatInterval' },
            }),
          ],
        }),
      ],
    ]);
    // Made up for the handler only: the station hears nothing of it.
    await s.expectSilence();
    expect(errors.pluginError).toEqual([]);
  });

  it("answers a 1.6 GetConfiguration to a 2.0.1 station once the station's report is in", async () => {
    const t = await startCsms(
      {
        plugins: [
          schemaVersioningPlugin({ sourceVersion: 'ocpp2.0.1', targetVersion: 'ocpp1.6', outbound: true }),
        ],
      },
      { defaults: false },
    );
    t.csms.handle('ocpp1.6', 'BootNotification', () => ({
      status: 'Accepted',
      currentTime: new Date().toISOString(),
      interval: 300,
    }));
    const s = await t.connect('CP201', { protocols: ['ocpp2.0.1'] });
    await s.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'V', model: 'M' } });
    const config = t.csms.call('CP201', 'GetConfiguration', {} as never);
    const asked = await s.nextMessage();
    expect(asked).toEqual([
      2,
      expect.any(String),
      'GetBaseReport',
      { requestId: expect.any(Number), reportBase: 'ConfigurationInventory' },
    ]);
    const { requestId } = asked[3] as { requestId: number };
    s.reply(asked, { status: 'Accepted' });
    const reportData = [
      {
        component: { name: 'OCPPCommCtrlr' },
        variable: { name: 'HeartbeatInterval' },
        variableAttribute: [{ value: '60', mutability: 'ReadWrite' }],
      },
    ];
    expect(
      await s.call('NotifyReport', { requestId, generatedAt: at, seqNo: 0, tbc: false, reportData }),
    ).toEqual([3, expect.any(String), {}]);
    expect(await config).toEqual({
      configurationKey: [expect.objectContaining({ key: 'HeartbeatInterval', value: '60' })],
    });
  });
});
