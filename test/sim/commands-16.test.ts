import { afterEach, describe, expect, it } from 'vitest';
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

/** Stations whose drivers never plug in on their own: every session comes from a command. */
async function quietRun(): Promise<{ t: TestCsms; sim: Simulation }> {
  t = await startCsms();
  sim = startSimulation({
    url: t.url,
    stations: 2,
    protocol: 'ocpp1.6',
    idleS: 0.2,
    remoteOnly: true, // every transaction comes from a command
    meterIntervalS: 0.1,
    chargeDurationS: 60,
    rebootDelayS: 0.1,
    ramp: 100,
  });
  await allBooted(sim);
  // Connector 0 and both connectors announced.
  await until(() => t!.received.filter((r) => r.action === 'StatusNotification').length >= 6);
  return { t, sim };
}

describe('1.6 simulator: answers to CSMS commands', () => {
  it('configuration, remote start with a profile, triggers, remote stop, availability, unlock', async () => {
    const { t, sim } = await quietRun();
    const { csms } = t;
    const id = 'SIM-0001';
    const call = async (action: string, payload: object) => {
      const answer = await csms.call(id, action as never, payload as never);
      expect(validatePayload('ocpp1.6', action, 'response', answer as never), action).toBeUndefined();
      return answer as Record<string, unknown>;
    };

    expect(
      await call('GetConfiguration', { key: ['HeartbeatInterval', 'MeterValueSampleInterval', 'Nope'] }),
    ).toEqual({
      configurationKey: [
        { key: 'HeartbeatInterval', readonly: false, value: '300' },
        { key: 'MeterValueSampleInterval', readonly: false, value: '1' },
      ],
      unknownKey: ['Nope'],
    });
    expect(await call('ChangeConfiguration', { key: 'HeartbeatInterval', value: 'soon' })).toEqual({
      status: 'Rejected',
    });
    expect(await call('ChangeConfiguration', { key: 'NumberOfConnectors', value: '4' })).toEqual({
      status: 'Rejected',
    });
    expect(await call('ChangeConfiguration', { key: 'Nope', value: '1' })).toEqual({
      status: 'NotSupported',
    });
    expect(await call('ChangeConfiguration', { key: 'WebSocketPingInterval', value: '30' })).toEqual({
      status: 'RebootRequired',
    });
    expect(
      await call('ChangeConfiguration', {
        key: 'MeterValuesSampledData',
        value: 'Energy.Active.Import.Register,SoC',
      }),
    ).toEqual({
      status: 'Accepted',
    });
    const all = (await call('GetConfiguration', {})) as {
      configurationKey: { key: string; value: string }[];
    };
    expect(all.configurationKey.find((k) => k.key === 'MeterValuesSampledData')?.value).toBe(
      'Energy.Active.Import.Register,SoC',
    );

    // Remote start on connector 1: StartTransaction with the given idTag, then Charging.
    expect(await call('RemoteStartTransaction', { connectorId: 1, idTag: 'REMOTE-1' })).toEqual({
      status: 'Accepted',
    });
    expect(await call('RemoteStartTransaction', { connectorId: 1, idTag: 'REMOTE-2' })).toEqual({
      status: 'Rejected',
    });
    const start = await waitFor(t, id, 'StartTransaction', (p) => p.idTag === 'REMOTE-1');
    expect(start.connectorId).toBe(1);
    await waitFor(t, id, 'StatusNotification', (p) => p.connectorId === 1 && p.status === 'Charging');
    const station = sim.stations[0]!;
    await until(() => station.connectors[0]!.phase === 'charging');
    const transactionId = Number(station.connectors[0]!.tx!.id);

    // A TxProfile needs a transaction on its connector; at 10 A × 3 phases the power stays under 6.9 kW.
    const profile = {
      chargingProfileId: 7,
      stackLevel: 1,
      chargingProfilePurpose: 'TxProfile',
      chargingProfileKind: 'Relative',
      chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] },
    };
    expect(await call('SetChargingProfile', { connectorId: 2, csChargingProfiles: profile })).toEqual({
      status: 'Rejected',
    });
    expect(
      await call('SetChargingProfile', { connectorId: 1, csChargingProfiles: { ...profile, transactionId } }),
    ).toEqual({ status: 'Accepted' });
    const mark = t.received.length;
    expect(await call('TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 })).toEqual({
      status: 'Accepted',
    });
    type Sampled = { sampledValue: { measurand: string; context: string }[] }[];
    const triggered = await waitFor(
      t,
      id,
      'MeterValues',
      (p) =>
        p.transactionId === transactionId &&
        (p.meterValue as Sampled)[0]!.sampledValue[0]!.context === 'Trigger',
      mark,
    );
    const sampled = (triggered.meterValue as Sampled)[0]!.sampledValue;
    expect(sampled.map((v) => v.measurand)).toEqual(['Energy.Active.Import.Register', 'SoC']);
    expect(station.connectors[0]!.meter.limitW).toBe(10 * 230 * 3);

    expect(await call('TriggerMessage', { requestedMessage: 'Heartbeat' })).toEqual({ status: 'Accepted' });
    await waitFor(t, id, 'Heartbeat');
    expect(await call('TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 9 })).toEqual({
      status: 'Rejected',
    });

    // Remote stop: StopTransaction (Remote), Finishing, then Available once unplugged.
    expect(await call('RemoteStopTransaction', { transactionId: transactionId + 1000 })).toEqual({
      status: 'Rejected',
    });
    expect(await call('RemoteStopTransaction', { transactionId })).toEqual({ status: 'Accepted' });
    const stop = await waitFor(t, id, 'StopTransaction', (p) => p.transactionId === transactionId);
    expect(stop).toMatchObject({ reason: 'Remote', idTag: 'REMOTE-1' });
    expect(stop.meterStop as number).toBeGreaterThanOrEqual(start.meterStart as number);
    const after = t.received.length;
    await waitFor(t, id, 'StatusNotification', (p) => p.connectorId === 1 && p.status === 'Finishing', mark);
    await waitFor(t, id, 'StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available', after);
    expect(station.connectors[0]!.profiles.size).toBe(0); // a TxProfile ends with its transaction

    // Availability: connector 2 out of service refuses remote starts until back.
    expect(await call('ChangeAvailability', { connectorId: 2, type: 'Inoperative' })).toEqual({
      status: 'Accepted',
    });
    await waitFor(t, id, 'StatusNotification', (p) => p.connectorId === 2 && p.status === 'Unavailable');
    expect(await call('RemoteStartTransaction', { connectorId: 2, idTag: 'REMOTE-3' })).toEqual({
      status: 'Rejected',
    });
    expect(await call('ChangeAvailability', { connectorId: 2, type: 'Operative' })).toEqual({
      status: 'Accepted',
    });
    await until(() => station.connectors[1]!.operative);

    expect(await call('UnlockConnector', { connectorId: 5 })).toEqual({ status: 'NotSupported' });
    expect(await call('UnlockConnector', { connectorId: 2 })).toEqual({ status: 'Unlocked' });
    expect(await call('DataTransfer', { vendorId: 'acme' })).toEqual({ status: 'UnknownVendorId' });
  });

  it('Reset ends the running transaction, reboots and boots again', async () => {
    const { t, sim } = await quietRun();
    const id = 'SIM-0002';
    expect(await t.csms.call(id, 'RemoteStartTransaction', { idTag: 'RESET-ME' })).toEqual({
      status: 'Accepted',
    });
    const start = await waitFor(t, id, 'StartTransaction', (p) => p.idTag === 'RESET-ME');
    await until(() => sim.stations[1]!.connectors.some((c) => c.phase === 'charging'));

    expect(await t.csms.call(id, 'Reset', { type: 'Hard' })).toEqual({ status: 'Accepted' });
    const stop = await waitFor(t, id, 'StopTransaction', () => true);
    expect(stop).toMatchObject({ reason: 'HardReset' });
    expect(stop.meterStop as number).toBeGreaterThanOrEqual(start.meterStart as number);
    await until(() => t.boots.get(id) === 2, 5_000, 'second boot');
    await until(() => sim.stations[1]!.accepted);

    const summary = await sim.stop();
    expect(summary.errors.total).toBe(0);
    expect(summary.commands).toBe(2);
    expect(t.failures).toEqual([]);
  });
});
