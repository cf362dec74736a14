import { afterEach, describe, expect, it } from 'vitest';
import type { Payload } from '../../src/protocol/frames.js';
import { validatePayload } from '../../src/protocol/index.js';
import { type Simulation, startSimulation } from '../../src/sim/index.js';
import { allBooted, startCsms, type TestCsms, until, waitFor } from './helpers.js';

let t: TestCsms | undefined;
let sim: Simulation | undefined;
afterEach(async () => {
  await sim?.stop();
  await t?.close();
  sim = t = undefined;
});

type TxEvent = {
  eventType: string;
  seqNo: number;
  triggerReason: string;
  transactionInfo: { transactionId: string; remoteStartId?: number; stoppedReason?: string };
  idToken?: { idToken: string };
  meterValue?: { sampledValue: { measurand?: string; value: number }[] }[];
};
const ev = (p: Payload) => p as unknown as TxEvent;

describe.each(['ocpp2.0.1', 'ocpp2.1'] as const)('%s simulator: answers to CSMS commands', (protocol) => {
  it('variables, remote start, profile, triggers, unlock, remote stop, availability, reset', async () => {
    t = await startCsms();
    sim = startSimulation({
      url: t.url,
      stations: 2,
      protocol,
      idleS: 0.2,
      remoteOnly: true, // every transaction comes from a command
      meterIntervalS: 0.1,
      chargeDurationS: 60,
      rebootDelayS: 0.1,
      ramp: 100,
    });
    await allBooted(sim);
    await until(() => t!.received.filter((r) => r.action === 'StatusNotification').length >= 4);
    const { csms } = t;
    const id = 'SIM-0001';
    const call = async (action: string, payload: object, to = id) => {
      const answer = await csms.call(to, action as never, payload as never);
      expect(validatePayload(protocol, action, 'response', answer as never), action).toBeUndefined();
      return answer as Record<string, unknown>;
    };
    const variable = (component: string, name: string) => ({
      component: { name: component },
      variable: { name },
    });

    const got = await call('GetVariables', {
      getVariableData: [
        variable('OCPPCommCtrlr', 'HeartbeatInterval'),
        variable('SampledDataCtrlr', 'TxUpdatedInterval'),
        variable('SecurityCtrlr', 'Identity'),
        variable('Nope', 'X'),
        variable('OCPPCommCtrlr', 'Nope'),
        { ...variable('OCPPCommCtrlr', 'HeartbeatInterval'), attributeType: 'Target' },
      ],
    });
    expect(
      (got.getVariableResult as { attributeStatus: string; attributeValue?: string }[]).map((r) => [
        r.attributeStatus,
        r.attributeValue,
      ]),
    ).toEqual([
      ['Accepted', '300'],
      ['Accepted', '1'],
      ['Accepted', id],
      ['UnknownComponent', undefined],
      ['UnknownVariable', undefined],
      ['NotSupportedAttributeType', undefined],
    ]);
    const set = await call('SetVariables', {
      setVariableData: [
        { ...variable('OCPPCommCtrlr', 'HeartbeatInterval'), attributeValue: '120' },
        { ...variable('SecurityCtrlr', 'Identity'), attributeValue: 'other' },
        { ...variable('SampledDataCtrlr', 'TxUpdatedMeasurands'), attributeValue: 'Nonsense' },
      ],
    });
    expect((set.setVariableResult as { attributeStatus: string }[]).map((r) => r.attributeStatus)).toEqual([
      'Accepted',
      'Rejected',
      'Rejected',
    ]);
    expect(sim.stations[0]!.config.get('HeartbeatInterval')).toBe('120');

    // Remote start on EVSE 1: Occupied, then Started carrying remoteStartId and the token, then Charging.
    const idToken = { idToken: 'REMOTE-1', type: 'Central' };
    expect(await call('RequestStartTransaction', { evseId: 1, idToken, remoteStartId: 42 })).toEqual({
      status: 'Accepted',
    });
    expect(await call('RequestStartTransaction', { evseId: 1, idToken, remoteStartId: 43 })).toEqual({
      status: 'Rejected',
    });
    await waitFor(t, id, 'StatusNotification', (p) => p.evseId === 1 && p.connectorStatus === 'Occupied');
    const started = ev(await waitFor(t, id, 'TransactionEvent', (p) => ev(p).eventType === 'Started'));
    expect(started).toMatchObject({
      seqNo: 0,
      triggerReason: 'RemoteStart',
      idToken,
      transactionInfo: { remoteStartId: 42 },
    });
    const transactionId = started.transactionInfo.transactionId;
    const station = sim.stations[0]!;
    await until(() => station.connectors[0]!.phase === 'charging');
    expect(await call('GetTransactionStatus', { transactionId })).toEqual({
      messagesInQueue: false,
      ongoingIndicator: true,
    });

    expect(await call('UnlockConnector', { evseId: 1, connectorId: 1 })).toMatchObject({
      status: 'OngoingAuthorizedTransaction',
    });
    expect(await call('UnlockConnector', { evseId: 9, connectorId: 1 })).toMatchObject({
      status: 'UnknownConnector',
    });
    expect(await call('UnlockConnector', { evseId: 2, connectorId: 1 })).toMatchObject({
      status: 'Unlocked',
    });

    // A TxProfile for the running transaction lowers the power, announced as ChargingRateChanged.
    const profile = (tx: string) => ({
      id: 5,
      stackLevel: 0,
      chargingProfilePurpose: 'TxProfile',
      chargingProfileKind: 'Relative',
      transactionId: tx,
      chargingSchedule: [
        { id: 1, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 3000 }] },
      ],
    });
    expect(
      await call('SetChargingProfile', { evseId: 2, chargingProfile: profile(transactionId) }),
    ).toMatchObject({
      status: 'Rejected',
    });
    expect(
      await call('SetChargingProfile', { evseId: 1, chargingProfile: profile(transactionId) }),
    ).toMatchObject({
      status: 'Accepted',
    });
    const rate = ev(
      await waitFor(t, id, 'TransactionEvent', (p) => ev(p).triggerReason === 'ChargingRateChanged'),
    );
    const power = rate.meterValue![0]!.sampledValue.find((v) => v.measurand === 'Power.Active.Import')!.value;
    expect(power).toBeLessThanOrEqual(3000 * 1.02);

    expect(
      await call('TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 1 } }),
    ).toMatchObject({
      status: 'Accepted',
    });
    await waitFor(t, id, 'TransactionEvent', (p) => ev(p).triggerReason === 'Trigger');
    expect(await call('TriggerMessage', { requestedMessage: 'MeterValues' })).toMatchObject({
      status: 'Accepted',
    });
    await waitFor(t, id, 'MeterValues', (p) => p.evseId === 2);
    expect(await call('TriggerMessage', { requestedMessage: 'BootNotification' })).toMatchObject({
      status: 'Rejected',
    });

    // Taking the whole station out of service waits for the transaction: Scheduled.
    expect(await call('ChangeAvailability', { operationalStatus: 'Inoperative' })).toMatchObject({
      status: 'Scheduled',
    });
    await waitFor(t, id, 'StatusNotification', (p) => p.evseId === 2 && p.connectorStatus === 'Unavailable');

    expect(await call('RequestStopTransaction', { transactionId: 'not-a-transaction' })).toMatchObject({
      status: 'Rejected',
    });
    expect(await call('RequestStopTransaction', { transactionId })).toMatchObject({ status: 'Accepted' });
    const ended = ev(await waitFor(t, id, 'TransactionEvent', (p) => ev(p).eventType === 'Ended'));
    expect(ended).toMatchObject({
      triggerReason: 'RemoteStop',
      transactionInfo: { transactionId, stoppedReason: 'Remote' },
    });
    const events = t.received
      .filter((r) => r.identity === id && r.action === 'TransactionEvent')
      .map((r) => ev(r.payload))
      .filter((e) => e.transactionInfo.transactionId === transactionId);
    expect(events.map((e) => e.seqNo)).toEqual(events.map((_, i) => i));
    // Unplugged: the scheduled Inoperative now applies.
    await waitFor(t, id, 'StatusNotification', (p) => p.evseId === 1 && p.connectorStatus === 'Unavailable');
    expect(
      await call('ChangeAvailability', { operationalStatus: 'Operative', evse: { id: 1 } }),
    ).toMatchObject({
      status: 'Accepted',
    });
    await until(() => station.connectors[0]!.operative);

    // Reset Immediate on the other station: it goes away and boots again with reason RemoteReset.
    expect(await call('Reset', { type: 'Immediate' }, 'SIM-0002')).toMatchObject({ status: 'Accepted' });
    await waitFor(t, 'SIM-0002', 'BootNotification', (p) => p.reason === 'RemoteReset');
    await until(() => t!.boots.get('SIM-0002') === 2);

    const summary = await sim.stop();
    expect(summary.errors.total).toBe(0);
    expect(summary.transactions).toEqual({ started: 1, stopped: 1 });
    expect(t.failures).toEqual([]);
  });
});
