import { describe, expect, it } from 'vitest';
import {
  InMemorySessionStore,
  type ISessionStore,
  KvSessionStore,
  presets,
} from '../../src/translation/index.js';
import { countingBucket } from '../support/counting-kv-bucket.js';
import { Drive, expectValid } from './drive.js';

/**
 * One test per defect the reference proxy (ocpp-protocol-proxy) has, read against the official schemas
 * (issue 12): each shows ours does it right.
 */

const T0 = '2026-01-01T10:00:00.000Z';
const T1 = '2026-01-01T10:15:00.000Z';
const T2 = '2026-01-01T11:00:00.000Z';

function proxy16to21(store: ISessionStore = new InMemorySessionStore()) {
  return new Drive('ocpp1.6', 'ocpp2.1', presets.ocpp16_to_ocpp21, { sessionStore: store });
}

async function startTransaction(d: Drive, connectorId = 1, idTag = 'RFID-1') {
  const start = await d.forward('upstream', 'StartTransaction', {
    connectorId,
    idTag,
    meterStart: 1000,
    timestamp: T0,
  });
  const conf = await d.answer(start.pending, { idTokenInfo: { status: 'Accepted' } });
  return { start, conf };
}

describe('reference bugs, fixed', () => {
  it('RequestStartTransaction and RequestStopTransaction reach a 1.6 charger as RemoteStart/RemoteStopTransaction', async () => {
    const d = proxy16to21();
    const req = await d.forward('downstream', 'RequestStartTransaction', {
      evseId: 2,
      remoteStartId: 42,
      idToken: { idToken: 'APP-USER-7', type: 'Central' },
    });
    expect(req.action).toBe('RemoteStartTransaction');
    expect(req.payload).toEqual({ connectorId: 2, idTag: 'APP-USER-7' });
    expect((await d.answer(req.pending, { status: 'Accepted' })).payload).toEqual({ status: 'Accepted' });

    // The station starts the remote transaction: the CSMS sees its remoteStartId and token type again.
    const { start, conf } = await startTransaction(d, 2, 'APP-USER-7');
    expect(start.payload).toMatchObject({
      eventType: 'Started',
      triggerReason: 'RemoteStart',
      idToken: { idToken: 'APP-USER-7', type: 'Central' },
      transactionInfo: { remoteStartId: 42 },
      evse: { id: 2, connectorId: 1 },
    });
    const transactionId = start.payload.transactionInfo.transactionId as string;

    const stop = await d.forward('downstream', 'RequestStopTransaction', { transactionId });
    expect(stop.action).toBe('RemoteStopTransaction');
    expect(stop.payload).toEqual({ transactionId: conf.payload.transactionId });
    expect((await d.answer(stop.pending, { status: 'Accepted' })).payload).toEqual({ status: 'Accepted' });
    expect(d.translationErrors).toEqual([]);
  });

  it('each TransactionEvent response becomes the answer of the call it answers, not always a StartTransaction.conf', async () => {
    const d = proxy16to21();
    const { conf } = await startTransaction(d);
    expect(conf.payload).toEqual({ transactionId: 1, idTagInfo: { status: 'Accepted' } });

    const mv = await d.forward('upstream', 'MeterValues', {
      connectorId: 1,
      transactionId: 1,
      meterValue: [{ timestamp: T1, sampledValue: [{ value: '1500' }] }],
    });
    expect(mv.action).toBe('TransactionEvent');
    expect((await d.answer(mv.pending, {})).payload).toEqual({});

    const stop = await d.forward('upstream', 'StopTransaction', {
      transactionId: 1,
      meterStop: 2500,
      timestamp: T2,
      idTag: 'RFID-1',
    });
    const stopConf = await d.answer(stop.pending, { idTokenInfo: { status: 'Blocked' } });
    expect(stopConf.payload).toEqual({ idTagInfo: { status: 'Blocked' } });
  });

  it('meter values reach 2.x as numbers, with the unit as unitOfMeasure', async () => {
    const d = proxy16to21();
    await startTransaction(d);
    const mv = await d.forward('upstream', 'MeterValues', {
      connectorId: 1,
      transactionId: 1,
      meterValue: [
        {
          timestamp: T1,
          sampledValue: [
            { value: '1234.5', unit: 'kWh', measurand: 'Energy.Active.Import.Register' },
            { value: '16', unit: 'A', measurand: 'Current.Import', phase: 'L1' },
          ],
        },
      ],
    });
    const samples = mv.payload.meterValue[0].sampledValue;
    expect(samples[0]).toEqual({
      value: 1234.5,
      measurand: 'Energy.Active.Import.Register',
      unitOfMeasure: { unit: 'kWh' },
    });
    expect(samples[1].value).toBe(16);
    expect(typeof samples[1].value).toBe('number');
  });

  it.each([
    ['EmergencyStop', 'AbnormalCondition', 'EmergencyStop'],
    ['EVDisconnected', 'EVCommunicationLost', 'EVDisconnected'],
    ['HardReset', 'ResetCommand', 'ImmediateReset'],
    ['Local', 'StopAuthorized', 'Local'],
    ['Other', 'AbnormalCondition', 'Other'],
    ['PowerLoss', 'AbnormalCondition', 'PowerLoss'],
    ['Reboot', 'ResetCommand', 'Reboot'],
    ['Remote', 'RemoteStop', 'Remote'],
    ['SoftReset', 'ResetCommand', 'Reboot'],
    ['UnlockCommand', 'UnlockCommand', 'Other'],
    ['DeAuthorized', 'Deauthorized', 'DeAuthorized'],
  ])(
    '1.6 stop reason %s: triggerReason %s (a 2.x trigger, schema-checked), stoppedReason %s',
    async (reason, trigger, stopped) => {
      const d = proxy16to21();
      await startTransaction(d);
      const stop = await d.forward('upstream', 'StopTransaction', {
        transactionId: 1,
        meterStop: 2000,
        timestamp: T2,
        reason,
      });
      expect(stop.payload.triggerReason).toBe(trigger);
      expect(stop.payload.transactionInfo.stoppedReason).toBe(stopped);
    },
  );

  it('seqNo counts 0, 1, 2, … per transaction, and starts again at 0 for the next one', async () => {
    const d = proxy16to21();
    const seqNos: number[] = [];
    const { start } = await startTransaction(d);
    seqNos.push(start.payload.seqNo);
    for (const t of [T1, T1]) {
      const mv = await d.forward('upstream', 'MeterValues', {
        connectorId: 1,
        transactionId: 1,
        meterValue: [{ timestamp: t, sampledValue: [{ value: '1' }] }],
      });
      seqNos.push(mv.payload.seqNo);
    }
    const stop = await d.forward('upstream', 'StopTransaction', {
      transactionId: 1,
      meterStop: 2,
      timestamp: T2,
    });
    seqNos.push(stop.payload.seqNo);
    expect(seqNos).toEqual([0, 1, 2, 3]);
    const next = await startTransaction(d);
    expect(next.start.payload.seqNo).toBe(0);
    expect(next.conf.payload.transactionId).toBe(2);
  });

  it('the 1.6 transaction-id counter belongs to the store: separate stores count on their own, nodes sharing one never collide', async () => {
    const a = proxy16to21(new InMemorySessionStore());
    const b = proxy16to21(new InMemorySessionStore());
    expect((await startTransaction(a)).conf.payload.transactionId).toBe(1);
    expect((await startTransaction(b)).conf.payload.transactionId).toBe(1);

    const bucket = await countingBucket();
    const node1 = new Drive(
      'ocpp1.6',
      'ocpp2.1',
      presets.ocpp16_to_ocpp21,
      { sessionStore: new KvSessionStore(bucket) },
      'CP-1',
    );
    const node2 = new Drive(
      'ocpp1.6',
      'ocpp2.1',
      presets.ocpp16_to_ocpp21,
      { sessionStore: new KvSessionStore(bucket) },
      'CP-2',
    );
    const ids = await Promise.all([
      startTransaction(node1, 1),
      startTransaction(node2, 1),
      startTransaction(node1, 2),
      startTransaction(node2, 2),
    ]);
    expect(new Set(ids.map((r) => r.conf.payload.transactionId)).size).toBe(4);
  });

  it('the id mapping survives a disconnect and a proxy restart (a new engine on the same store)', async () => {
    const bucket = await countingBucket();
    const before = proxy16to21(new KvSessionStore(bucket));
    const { start, conf } = await startTransaction(before);
    const restarted = proxy16to21(new KvSessionStore(bucket));
    const stop = await restarted.forward('upstream', 'StopTransaction', {
      transactionId: conf.payload.transactionId,
      meterStop: 3000,
      timestamp: T2,
    });
    expect(stop.payload.transactionInfo.transactionId).toBe(start.payload.transactionInfo.transactionId);
    expect(stop.payload.seqNo).toBe(1);
    expect(stop.payload.evse).toEqual({ id: 1 });
  });

  it.each([
    ['FormatViolation', 'FormationViolation'],
    ['OccurrenceConstraintViolation', 'OccurenceConstraintViolation'],
    ['RpcFrameworkError', 'ProtocolError'],
    ['MessageTypeNotSupported', 'GenericError'],
    ['SecurityError', 'SecurityError'],
    ['NotSupported', 'NotSupported'],
  ])('a CSMS CALLERROR %s reaches the 1.6 charger as %s, not InternalError', async (code, code16) => {
    const d = proxy16to21();
    const boot = await d.forward('upstream', 'BootNotification', {
      chargePointVendor: 'V',
      chargePointModel: 'M',
    });
    const out = await d.engine.translateError(d.identity, boot.pending, {
      errorCode: code,
      errorDescription: 'from the CSMS',
      errorDetails: {},
    });
    expect(out).toMatchObject({
      kind: 'error',
      error: { errorCode: code16, errorDescription: 'from the CSMS' },
    });
  });

  it('configuration: GetVariables/SetVariables/GetBaseReport reach a 1.6 station as GetConfiguration/ChangeConfiguration', async () => {
    const d = proxy16to21();
    const get = await d.forward('downstream', 'GetVariables', {
      getVariableData: [
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
        { component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' } },
        { component: { name: 'DisplayCtrlr' }, variable: { name: 'Language' } },
      ],
    });
    expect(get).toMatchObject({
      action: 'GetConfiguration',
      payload: { key: ['HeartbeatInterval', 'MeterValueSampleInterval'] },
    });
    const got = await d.answer(get.pending, {
      configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }],
      unknownKey: ['MeterValueSampleInterval'],
    });
    expect(
      got.payload.getVariableResult.map((r: { attributeStatus: string; attributeValue?: string }) => [
        r.attributeStatus,
        r.attributeValue,
      ]),
    ).toEqual([
      ['Accepted', '300'],
      ['UnknownVariable', undefined],
      ['UnknownComponent', undefined],
    ]);

    const set = await d.call('downstream', 'SetVariables', {
      setVariableData: [
        {
          component: { name: 'OCPPCommCtrlr' },
          variable: { name: 'HeartbeatInterval' },
          attributeValue: '60',
        },
        { component: { name: 'AuthCtrlr' }, variable: { name: 'LocalPreAuthorize' }, attributeValue: 'true' },
      ],
    });
    if (set.kind !== 'batch') throw new Error(set.kind);
    expect(set.calls).toEqual([
      { action: 'ChangeConfiguration', payload: { key: 'HeartbeatInterval', value: '60' } },
      { action: 'ChangeConfiguration', payload: { key: 'LocalPreAuthorize', value: 'true' } },
    ]);
    const setResult = await d.answer(set.pending, [
      { payload: { status: 'Accepted' } },
      { payload: { status: 'RebootRequired' } },
    ]);
    expect(
      setResult.payload.setVariableResult.map((r: { attributeStatus: string }) => r.attributeStatus),
    ).toEqual(['Accepted', 'RebootRequired']);

    const report = await d.forward('downstream', 'GetBaseReport', {
      requestId: 9,
      reportBase: 'ConfigurationInventory',
    });
    expect(report.payload).toEqual({});
    const keys = Array.from({ length: 120 }, (_, i) => ({
      key: `Vendor${i}`,
      readonly: i % 2 === 0,
      value: String(i),
    }));
    const reported = await d.engine.translateResponse(d.identity, report.pending, { configurationKey: keys });
    expect(reported).toMatchObject({ kind: 'result', payload: { status: 'Accepted' } });
    expect(
      reported.emitted.map((c) => [c.payload.seqNo, c.payload.tbc, c.payload.reportData.length]),
    ).toEqual([
      [0, true, 50],
      [1, true, 50],
      [2, false, 20],
    ]);
    for (const c of reported.emitted) expectValid('ocpp2.1', c.action, 'request', c.payload);
  });

  it('configuration: a keyless GetConfiguration asked again replaces the first aggregation (one per station)', async () => {
    const d = new Drive('ocpp2.0.1', 'ocpp1.6', presets.ocpp201_to_ocpp16);
    const first = await d.forward('downstream', 'GetConfiguration', {});
    const second = await d.forward('downstream', 'GetConfiguration', {});
    const part = (requestId: number) => ({
      requestId,
      generatedAt: T0,
      seqNo: 0,
      tbc: false,
      reportData: [
        {
          component: { name: 'OCPPCommCtrlr' },
          variable: { name: 'HeartbeatInterval' },
          variableAttribute: [{ value: '60' }],
        },
      ],
    });
    expect((await d.call('upstream', 'NotifyReport', part(first.payload.requestId))).completions).toEqual([]);
    const done = await d.call('upstream', 'NotifyReport', part(second.payload.requestId));
    expect(done.completions).toEqual([
      {
        to: 'csms',
        id: second.pending.original.id,
        payload: { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '60' }] },
      },
    ]);
  });

  it('configuration: a keyless GetConfiguration from a 1.6 CSMS is answered from the aggregated NotifyReport parts', async () => {
    const d = new Drive('ocpp2.0.1', 'ocpp1.6', presets.ocpp201_to_ocpp16);
    const get = await d.forward('downstream', 'GetConfiguration', {});
    expect(get.action).toBe('GetBaseReport');
    const requestId = get.payload.requestId as number;
    const accepted = await d.engine.translateResponse(d.identity, get.pending, { status: 'Accepted' });
    expect(accepted.kind).toBe('deferred');

    const part = (seqNo: number, tbc: boolean, items: [string, string, string, string][]) => ({
      requestId,
      generatedAt: T0,
      seqNo,
      tbc,
      reportData: items.map(([component, variable, value, mutability]) => ({
        component: { name: component },
        variable: { name: variable },
        variableAttribute: [{ type: 'Actual', value, mutability }],
      })),
    });
    const first = await d.call(
      'upstream',
      'NotifyReport',
      part(0, true, [['OCPPCommCtrlr', 'HeartbeatInterval', '300', 'ReadWrite']]),
    );
    expect(first).toMatchObject({ kind: 'reply', payload: {}, completions: [] });
    const last = await d.call(
      'upstream',
      'NotifyReport',
      part(1, false, [
        ['SecurityCtrlr', 'SecurityProfile', '2', 'ReadOnly'],
        ['ClockCtrlr', 'TimeSource', 'NTP', 'ReadWrite'],
      ]),
    );
    expect(last.kind).toBe('reply');
    expect(last.completions).toEqual([
      {
        to: 'csms',
        id: get.pending.original.id,
        payload: {
          configurationKey: [
            { key: 'HeartbeatInterval', readonly: false, value: '300' },
            { key: 'SecurityProfile', readonly: true, value: '2' },
            { key: 'ClockCtrlr.TimeSource', readonly: false, value: 'NTP' },
          ],
        },
      },
    ]);
    expectValid('ocpp1.6', 'GetConfiguration', 'response', last.completions[0]!.payload);
    // The aggregation is gone: a late duplicate part is merely acknowledged.
    const late = await d.call('upstream', 'NotifyReport', part(1, false, []));
    expect(late.completions).toEqual([]);
  });
});
