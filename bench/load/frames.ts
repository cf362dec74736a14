/**
 * What the load stations send, pre-encoded once: Boot, Status and a call mix per OCPP version.
 * A CALL goes out as `[2,"<id>"` + a constant tail, so the driver never serialises on the hot path.
 * Every payload here is schema-valid for its version (the driver checks them against our validator
 * before a run), so any CALLERROR a server sends back is counted as an error.
 */

export type BenchVersion = 'ocpp1.6' | 'ocpp2.0.1';

export interface CallTemplate {
  readonly action: string;
  readonly payload: Record<string, unknown>;
  /** `,"Action",{...}]`: the frame after its message id. */
  readonly tail: string;
}

export interface VersionFrames {
  readonly boot: CallTemplate;
  readonly status: CallTemplate;
  /** The call mix, in the order one station cycles through it. */
  readonly mix: readonly CallTemplate[];
}

const timestamp = '2025-01-01T12:00:00.000Z';
const MEASURANDS = ['Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import', 'Voltage'];
const UNITS = ['Wh', 'W', 'A', 'V'];
/** "About a dozen sampled values" per meter reading. */
const SAMPLES = 12;

function template(action: string, payload: Record<string, unknown>): CallTemplate {
  return { action, payload, tail: `,${JSON.stringify(action)},${JSON.stringify(payload)}]` };
}

function sampled16() {
  return Array.from({ length: SAMPLES }, (_, i) => ({
    value: String(1000 + i * 7),
    context: 'Sample.Periodic',
    measurand: MEASURANDS[i % 4],
    phase: i % 2 ? 'L1' : 'L2',
    location: 'Outlet',
    unit: UNITS[i % 4],
  }));
}

function sampled201() {
  return Array.from({ length: SAMPLES }, (_, i) => ({
    value: 1000 + i * 7,
    context: 'Sample.Periodic',
    measurand: MEASURANDS[i % 4],
    phase: i % 2 ? 'L1' : 'L2',
    location: 'Outlet',
    unitOfMeasure: { unit: UNITS[i % 4], multiplier: 0 },
  }));
}

/** 20 calls: 14 meter readings, 2 heartbeats, 1 status, 1 authorize, a transaction start and stop. */
function cycle(
  t: Record<'meter' | 'heartbeat' | 'status' | 'authorize' | 'start' | 'stop', CallTemplate>,
): CallTemplate[] {
  const meters = (n: number) => Array.from({ length: n }, () => t.meter);
  return [t.authorize, t.start, ...meters(7), t.heartbeat, t.status, ...meters(7), t.heartbeat, t.stop];
}

function frames16(): VersionFrames {
  const status = template('StatusNotification', {
    connectorId: 1,
    errorCode: 'NoError',
    status: 'Available',
  });
  return {
    boot: template('BootNotification', { chargePointVendor: 'Bench', chargePointModel: 'Load-1' }),
    status,
    mix: cycle({
      meter: template('MeterValues', {
        connectorId: 1,
        transactionId: 1,
        meterValue: [{ timestamp, sampledValue: sampled16() }],
      }),
      heartbeat: template('Heartbeat', {}),
      status: template('StatusNotification', {
        connectorId: 1,
        errorCode: 'NoError',
        status: 'Charging',
        timestamp,
      }),
      authorize: template('Authorize', { idTag: 'TAG0001' }),
      start: template('StartTransaction', { connectorId: 1, idTag: 'TAG0001', meterStart: 0, timestamp }),
      stop: template('StopTransaction', { meterStop: 12_345, timestamp, transactionId: 1, reason: 'Local' }),
    }),
  };
}

function frames201(): VersionFrames {
  const idToken = { idToken: 'TAG0001', type: 'ISO14443' };
  const evse = { id: 1, connectorId: 1 };
  const event = (eventType: string, triggerReason: string, seqNo: number, extra: Record<string, unknown>) =>
    template('TransactionEvent', {
      eventType,
      timestamp,
      triggerReason,
      seqNo,
      transactionInfo: { transactionId: 'tx-0001', chargingState: 'Charging' },
      evse,
      ...extra,
    });
  return {
    boot: template('BootNotification', {
      reason: 'PowerUp',
      chargingStation: { vendorName: 'Bench', model: 'Load-1' },
    }),
    status: template('StatusNotification', {
      timestamp,
      connectorStatus: 'Available',
      evseId: 1,
      connectorId: 1,
    }),
    mix: cycle({
      meter: event('Updated', 'MeterValuePeriodic', 1, {
        meterValue: [{ timestamp, sampledValue: sampled201() }],
      }),
      heartbeat: template('Heartbeat', {}),
      status: template('StatusNotification', {
        timestamp,
        connectorStatus: 'Occupied',
        evseId: 1,
        connectorId: 1,
      }),
      authorize: template('Authorize', { idToken }),
      start: event('Started', 'Authorized', 0, { idToken }),
      stop: event('Ended', 'StopAuthorized', 2, {
        idToken,
        transactionInfo: { transactionId: 'tx-0001', stoppedReason: 'Local' },
      }),
    }),
  };
}

export const FRAMES: Record<BenchVersion, VersionFrames> = {
  'ocpp1.6': frames16(),
  'ocpp2.0.1': frames201(),
};

/** The server-initiated call of the fan-out phase, and the station's answer to it. */
export const FANOUT = {
  action: 'TriggerMessage',
  payload: { requestedMessage: 'Heartbeat' },
  answer: { status: 'Accepted' },
} as const;
