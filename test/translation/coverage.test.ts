import { describe, expect, it } from 'vitest';
import { ACTIONS, maySend } from '../../src/protocol/index.js';
import {
  corePreset,
  firmwarePreset,
  localAuthPreset,
  mergePresets,
  presets,
  remoteTriggerPreset,
  reservationPreset,
  securityPreset,
  smartChargingPreset,
} from '../../src/translation/index.js';
import { Drive, T0 as T, txEvent } from './drive.js';

/** The 1.6 actions (28 of the six profiles + 11 of the security whitepaper) and who sends each. */
const v16 = [...ACTIONS['ocpp1.6'].keys()];
const fromStation16 = v16.filter((a) => maySend('ocpp1.6', 'station', a)).sort();
const fromCsms16 = v16.filter((a) => maySend('ocpp1.6', 'csms', a)).sort();

const URL1 = 'https://example.com/file';
const token = (idToken: string, type = 'ISO14443') => ({ idToken, type });
const profile = {
  id: 1,
  stackLevel: 0,
  chargingProfilePurpose: 'TxDefaultProfile',
  chargingProfileKind: 'Absolute',
  chargingSchedule: [
    { id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
  ],
};
const hash = { hashAlgorithm: 'SHA256', issuerNameHash: 'a', issuerKeyHash: 'b', serialNumber: 'c' };

/** A 2.1 CSMS's commands, in the order they run, and what each becomes at a 1.6 station. */
const COMMANDS_21: [string, object, string][] = [
  [
    'RequestStartTransaction',
    { evseId: 1, remoteStartId: 1, idToken: token('A', 'Central') },
    'RemoteStartTransaction',
  ],
  ['RequestStopTransaction', { transactionId: '<open>' }, 'RemoteStopTransaction'],
  ['ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } }, 'ChangeAvailability'],
  ['Reset', { type: 'Immediate' }, 'Reset'],
  ['UnlockConnector', { evseId: 1, connectorId: 1 }, 'UnlockConnector'],
  ['ClearCache', {}, 'ClearCache'],
  ['DataTransfer', { vendorId: 'v' }, 'DataTransfer'],
  [
    'GetVariables',
    { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] },
    'GetConfiguration',
  ],
  [
    'SetVariables',
    {
      setVariableData: [
        {
          component: { name: 'OCPPCommCtrlr' },
          variable: { name: 'HeartbeatInterval' },
          attributeValue: '60',
        },
      ],
    },
    'ChangeConfiguration',
  ],
  ['TriggerMessage', { requestedMessage: 'Heartbeat' }, 'TriggerMessage'],
  ['TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' }, 'ExtendedTriggerMessage'],
  ['SetChargingProfile', { evseId: 1, chargingProfile: profile }, 'SetChargingProfile'],
  ['ClearChargingProfile', { chargingProfileId: 1 }, 'ClearChargingProfile'],
  ['GetCompositeSchedule', { evseId: 1, duration: 60 }, 'GetCompositeSchedule'],
  ['UpdateFirmware', { requestId: 1, firmware: { location: URL1, retrieveDateTime: T } }, 'UpdateFirmware'],
  [
    'UpdateFirmware',
    {
      requestId: 2,
      firmware: { location: URL1, retrieveDateTime: T, signingCertificate: 'c', signature: 's' },
    },
    'SignedUpdateFirmware',
  ],
  ['GetLog', { logType: 'DiagnosticsLog', requestId: 3, log: { remoteLocation: URL1 } }, 'GetDiagnostics'],
  ['GetLog', { logType: 'SecurityLog', requestId: 4, log: { remoteLocation: URL1 } }, 'GetLog'],
  ['ReserveNow', { id: 1, expiryDateTime: T, idToken: token('A') }, 'ReserveNow'],
  ['CancelReservation', { reservationId: 1 }, 'CancelReservation'],
  ['GetLocalListVersion', {}, 'GetLocalListVersion'],
  ['SendLocalList', { versionNumber: 1, updateType: 'Full' }, 'SendLocalList'],
  ['CertificateSigned', { certificateChain: 'pem' }, 'CertificateSigned'],
  ['DeleteCertificate', { certificateHashData: hash }, 'DeleteCertificate'],
  ['GetInstalledCertificateIds', { certificateType: ['CSMSRootCertificate'] }, 'GetInstalledCertificateIds'],
  [
    'InstallCertificate',
    { certificateType: 'CSMSRootCertificate', certificate: 'pem' },
    'InstallCertificate',
  ],
];

/** A 2.1 station's messages, in order, behind a 1.6 CSMS (after the commands that steer them). */
const tx = (eventType: string, seqNo: number, extra: object = {}) => txEvent('tx-1', eventType, seqNo, extra);
const meter = [{ timestamp: T, sampledValue: [{ value: 10 }] }];
const MESSAGES_21: [string, object, string][] = [
  [
    'BootNotification',
    { chargingStation: { model: 'M', vendorName: 'V' }, reason: 'PowerUp' },
    'BootNotification',
  ],
  ['Heartbeat', {}, 'Heartbeat'],
  ['Authorize', { idToken: token('A') }, 'Authorize'],
  [
    'StatusNotification',
    { timestamp: T, connectorStatus: 'Available', evseId: 1, connectorId: 1 },
    'StatusNotification',
  ],
  ['DataTransfer', { vendorId: 'v' }, 'DataTransfer'],
  ['TransactionEvent', tx('Started', 0, { idToken: token('A') }), 'StartTransaction'],
  ['TransactionEvent', tx('Updated', 1, { meterValue: meter }), 'MeterValues'],
  ['TransactionEvent', tx('Ended', 2, { meterValue: meter }), 'StopTransaction'],
  ['MeterValues', { evseId: 0, meterValue: meter }, 'MeterValues'],
  ['FirmwareStatusNotification', { status: 'Downloading' }, 'FirmwareStatusNotification'],
  ['LogStatusNotification', { status: 'Uploading' }, 'LogStatusNotification'],
  ['SecurityEventNotification', { type: 'StartupOfTheDevice', timestamp: T }, 'SecurityEventNotification'],
  ['SignCertificate', { csr: 'csr' }, 'SignCertificate'],
];

async function forwarded(
  d: Drive,
  direction: 'upstream' | 'downstream',
  action: string,
  payload: object,
): Promise<string[]> {
  const out = await d.call(direction, action, payload);
  if (out.kind === 'forward') return [out.action];
  if (out.kind === 'batch') return out.calls.map((c) => c.action);
  throw new Error(`${action}: ${JSON.stringify(out)}`);
}

describe('preset coverage of OCPP 1.6 (six profiles + security whitepaper)', () => {
  it('39 1.6 actions: 14 sent by the station, 26 by the central system (DataTransfer both ways)', () => {
    expect(v16.length).toBe(39);
    expect([fromStation16.length, fromCsms16.length]).toEqual([14, 26]);
  });

  it('the profile presets together are the whole ocpp16_to_ocpp21 preset', () => {
    const merged = mergePresets(
      corePreset,
      smartChargingPreset,
      firmwarePreset,
      reservationPreset,
      localAuthPreset,
      remoteTriggerPreset,
      securityPreset,
    );
    for (const part of ['upstream', 'downstream', 'responses'] as const) {
      expect(Object.keys(merged[part] ?? {}).sort()).toEqual(
        Object.keys(presets.ocpp16_to_ocpp21[part] ?? {}).sort(),
      );
    }
  });

  it('a 1.6 station behind 2.1: every 1.6 station message is mapped, and the 2.1 commands reach all 26 1.6 commands', async () => {
    const d = new Drive('ocpp1.6', 'ocpp2.1', presets.ocpp16_to_ocpp21);
    expect(
      Object.keys(presets.ocpp16_to_ocpp21.upstream ?? {})
        .map((k) => k.slice(8))
        .sort(),
    ).toEqual(fromStation16);
    const start = await d.forward('upstream', 'StartTransaction', {
      connectorId: 1,
      idTag: 'A',
      meterStart: 0,
      timestamp: T,
    });
    await d.answer(start.pending, { idTokenInfo: { status: 'Accepted' } });
    const reached = new Set<string>();
    for (const [action, payload, expected] of COMMANDS_21) {
      const p =
        action === 'RequestStopTransaction'
          ? { transactionId: start.payload.transactionInfo.transactionId }
          : payload;
      const got = await forwarded(d, 'downstream', action, p);
      expect(got).toEqual([expected]);
      for (const a of got) reached.add(a);
    }
    // A keyless GetConfiguration is what GetBaseReport becomes.
    for (const a of await forwarded(d, 'downstream', 'GetBaseReport', {
      requestId: 1,
      reportBase: 'FullInventory',
    }))
      reached.add(a);
    expect([...reached].sort()).toEqual(fromCsms16);
  });

  it('a 2.1 station behind 1.6: all 26 1.6 commands are mapped, and the station reaches all 14 1.6 messages', async () => {
    const d = new Drive('ocpp2.1', 'ocpp1.6', presets.ocpp21_to_ocpp16);
    expect(
      Object.keys(presets.ocpp21_to_ocpp16.downstream ?? {})
        .map((k) => k.slice(8))
        .sort(),
    ).toEqual(fromCsms16);
    const reached = new Set<string>();
    for (const [action, payload, expected] of MESSAGES_21) {
      const out = await d.call('upstream', action, payload);
      if (out.kind !== 'forward') throw new Error(`${action}: ${out.kind}`);
      expect(out.action).toBe(expected);
      reached.add(out.action);
      if (expected === 'StartTransaction')
        await d.answer(out.pending, { transactionId: 1, idTagInfo: { status: 'Accepted' } });
    }
    // Status of an upload the 1.6 CSMS asked for with GetDiagnostics; of a signed firmware update.
    await d.call('downstream', 'GetDiagnostics', { location: URL1 });
    reached.add((await d.forward('upstream', 'LogStatusNotification', { status: 'Uploaded' })).action);
    await d.call('downstream', 'SignedUpdateFirmware', {
      requestId: 1,
      firmware: { location: URL1, retrieveDateTime: T, signingCertificate: 'c', signature: 's' },
    });
    reached.add(
      (await d.forward('upstream', 'FirmwareStatusNotification', { status: 'SignatureVerified' })).action,
    );
    expect([...reached].sort()).toEqual(fromStation16);
  });
});
