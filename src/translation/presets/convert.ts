import type { Payload } from '../types.js';

/**
 * Field conversions shared by the 1.6 <-> 2.x presets (ocpp-notes §4.2). Each says what it loses;
 * the coverage table in the README lists the same losses per action.
 */

export type Ocpp2 = 'ocpp2.0.1' | 'ocpp2.1';

/**
 * 2.x forbids empty optional fields (`null`, `{}`, `[]`): drop undefined keys so none is sent. A copy,
 * not `delete`: a deleted key turns the object into a slow dictionary for everything that reads it
 * after (validation, JSON.stringify), 12 times per MeterValues.
 */
export function compact<T extends Record<string, unknown>>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const k in obj) if (obj[k] !== undefined) out[k] = obj[k];
  return out as T;
}

export const nowIso = (): string => new Date().toISOString();

// ── id tokens ────────────────────────────────────────────────────────────────────────────────────

/** 1.6 idTag -> 2.x IdTokenType. A card at the reader is the common case; remote starts keep their own type. */
export function idTokenOf(idTag: string, type = 'ISO14443'): Payload {
  return { idToken: idTag, type };
}

/** 2.x idToken -> 1.6 idTag (max 20 chars): a longer token cannot be represented. */
export function idTagOf(idToken: Payload): string | undefined {
  const token = idToken?.idToken;
  return typeof token === 'string' && token.length <= 20 && token.length > 0 ? token : undefined;
}

const AUTH_STATUS_16 = new Set(['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx']);

/** 2.x idTokenInfo -> 1.6 idTagInfo. The statuses 1.6 lacks (NoCredit, NotAtThisTime, …) read as Invalid. */
export function idTagInfoOf(info: Payload | undefined): Payload {
  if (!info) return { status: 'Accepted' };
  const parent = info.groupIdToken ? idTagOf(info.groupIdToken) : undefined;
  return compact({
    status: AUTH_STATUS_16.has(info.status) ? info.status : 'Invalid',
    expiryDate: info.cacheExpiryDateTime,
    parentIdTag: parent,
  });
}

/** 1.6 idTagInfo -> 2.x idTokenInfo. `parentIdTag` becomes a Central group token. */
export function idTokenInfoOf(info: Payload): Payload {
  return compact({
    status: info.status,
    cacheExpiryDateTime: info.expiryDate,
    groupIdToken: info.parentIdTag ? idTokenOf(info.parentIdTag, 'Central') : undefined,
  });
}

// ── connector status ─────────────────────────────────────────────────────────────────────────────

/** 1.6 ChargePointStatus -> 2.x ConnectorStatus: the five busy states all become Occupied (lossy). */
export function connectorStatusOf(status16: string): string {
  switch (status16) {
    case 'Available':
    case 'Reserved':
    case 'Unavailable':
    case 'Faulted':
      return status16;
    default:
      return 'Occupied';
  }
}

/**
 * 2.x connector status (plus what the proxy knows of the EVSE's transaction) -> 1.6 status.
 * Occupied with no transaction is Preparing (plugged in, not charging), during one Charging,
 * after one ended Finishing.
 */
export function chargePointStatusOf(status2: string, tx: 'none' | 'active' | 'ended'): string {
  if (status2 !== 'Occupied') return status2;
  return tx === 'active' ? 'Charging' : tx === 'ended' ? 'Finishing' : 'Preparing';
}

// ── stop reasons ─────────────────────────────────────────────────────────────────────────────────

/** 1.6 StopTransaction reason -> 2.x stoppedReason. */
export function stoppedReasonOf(reason16: string | undefined): string {
  switch (reason16 ?? 'Local') {
    case 'HardReset':
      return 'ImmediateReset';
    case 'SoftReset':
      return 'Reboot';
    case 'UnlockCommand':
      return 'Other';
    default:
      return reason16 ?? 'Local';
  }
}

/** 1.6 StopTransaction reason -> the 2.x triggerReason of the Ended event (never a stop reason). */
export function endTriggerOf(reason16: string | undefined): string {
  switch (reason16 ?? 'Local') {
    case 'Local':
      return 'StopAuthorized';
    case 'Remote':
      return 'RemoteStop';
    case 'DeAuthorized':
      return 'Deauthorized';
    case 'EVDisconnected':
      return 'EVCommunicationLost';
    case 'HardReset':
    case 'SoftReset':
    case 'Reboot':
      return 'ResetCommand';
    case 'UnlockCommand':
      return 'UnlockCommand';
    default:
      // EmergencyStop, PowerLoss, Other
      return 'AbnormalCondition';
  }
}

const REASONS_16 = new Set([
  'DeAuthorized',
  'EmergencyStop',
  'EVDisconnected',
  'Local',
  'Other',
  'PowerLoss',
  'Reboot',
  'Remote',
]);

/** 2.x stoppedReason -> 1.6 reason; unmatched values are Other (ocpp-notes §4.2). */
export function reason16Of(stoppedReason: string | undefined): string | undefined {
  if (stoppedReason === undefined) return undefined;
  if (stoppedReason === 'ImmediateReset') return 'HardReset';
  return REASONS_16.has(stoppedReason) ? stoppedReason : 'Other';
}

// ── meter values ─────────────────────────────────────────────────────────────────────────────────

const MEASURANDS_2 = new Set([
  'Current.Export',
  'Current.Import',
  'Current.Offered',
  'Energy.Active.Export.Register',
  'Energy.Active.Import.Register',
  'Energy.Reactive.Export.Register',
  'Energy.Reactive.Import.Register',
  'Energy.Active.Export.Interval',
  'Energy.Active.Import.Interval',
  'Energy.Reactive.Export.Interval',
  'Energy.Reactive.Import.Interval',
  'Frequency',
  'Power.Active.Export',
  'Power.Active.Import',
  'Power.Factor',
  'Power.Offered',
  'Power.Reactive.Export',
  'Power.Reactive.Import',
  'SoC',
  'Voltage',
]);
const MEASURANDS_16 = new Set([...MEASURANDS_2, 'Temperature', 'RPM']);
const UNITS_16 = new Set([
  'Wh',
  'kWh',
  'varh',
  'kvarh',
  'W',
  'kW',
  'VA',
  'kVA',
  'var',
  'kvar',
  'A',
  'V',
  'K',
  'Celsius',
  'Fahrenheit',
  'Percent',
]);

/**
 * 1.6 sampledValue -> 2.x: `value` becomes a number. A signed reading moves to `signedMeterValue`
 * (value 0: the number is inside the signature). Dropped (undefined): a raw value that is not a number,
 * and the measurands 2.x lacks (Temperature, RPM).
 */
export function sampledValue2Of(sv: Payload, version: Ocpp2): Payload | undefined {
  if (sv.measurand !== undefined && !MEASURANDS_2.has(sv.measurand)) return undefined;
  const signed = sv.format === 'SignedData';
  const value = signed ? 0 : Number(sv.value);
  if (!signed && (sv.value.trim() === '' || !Number.isFinite(value))) return undefined;
  const unit = sv.unit === 'Celcius' ? 'Celsius' : sv.unit;
  // Field by field rather than through `compact`: one object per reading and no literal to copy it
  // from. Meter readings are most of what a proxy translates, and at saturation what it allocates
  // per call is what the GC pays for.
  const out: Payload = { value };
  if (sv.context !== undefined) out.context = sv.context;
  if (sv.measurand !== undefined) out.measurand = sv.measurand;
  if (sv.phase !== undefined) out.phase = sv.phase;
  if (sv.location !== undefined) out.location = sv.location;
  if (unit !== undefined) out.unitOfMeasure = { unit };
  if (signed)
    out.signedMeterValue =
      version === 'ocpp2.1'
        ? { signedMeterData: sv.value, encodingMethod: 'Other' }
        : {
            signedMeterData: sv.value.slice(0, 2500),
            signingMethod: '',
            encodingMethod: 'Other',
            publicKey: '',
          };
  return out;
}

/** 1.6 meterValue[] -> 2.x meterValue[], or undefined when no sample survives. */
export function meterValues2Of(meterValue: Payload[] | undefined, version: Ocpp2): Payload[] | undefined {
  const out: Payload[] = [];
  for (const mv of meterValue ?? []) {
    const sampledValue: Payload[] = [];
    for (const sv of mv.sampledValue as Payload[]) {
      const v = sampledValue2Of(sv, version);
      if (v !== undefined) sampledValue.push(v);
    }
    if (sampledValue.length > 0) out.push({ timestamp: mv.timestamp, sampledValue });
  }
  return out.length > 0 ? out : undefined;
}

/** 2.x sampledValue -> 1.6: the number as a string; a multiplier is applied; signed data kept as SignedData. */
export function sampledValue16Of(sv: Payload): Payload | undefined {
  if (sv.measurand !== undefined && !MEASURANDS_16.has(sv.measurand)) return undefined;
  const unit = sv.unitOfMeasure?.unit;
  const multiplier = sv.unitOfMeasure?.multiplier ?? 0;
  const base = compact({
    context: sv.context,
    measurand: sv.measurand,
    phase: sv.phase,
    location: sv.location === 'Upstream' ? undefined : sv.location,
    unit: unit !== undefined && UNITS_16.has(unit) ? unit : undefined,
  });
  if (sv.signedMeterValue)
    return { value: String(sv.signedMeterValue.signedMeterData), format: 'SignedData', ...base };
  return { value: String(sv.value * 10 ** multiplier), ...base };
}

export function meterValues16Of(meterValue: Payload[] | undefined): Payload[] | undefined {
  const out: Payload[] = [];
  for (const mv of meterValue ?? []) {
    const sampledValue = (mv.sampledValue as Payload[])
      .map(sampledValue16Of)
      .filter((sv) => sv !== undefined);
    if (sampledValue.length > 0) out.push({ timestamp: mv.timestamp, sampledValue });
  }
  return out.length > 0 ? out : undefined;
}

/** The energy register reading at a transaction's start or end, as 2.x meter values. */
export function registerReading(timestamp: string, wh: number, context: string): Payload {
  return {
    timestamp,
    sampledValue: [
      { value: wh, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } },
    ],
  };
}

/** The Energy.Active.Import.Register reading in Wh among 2.x meter values (for 1.6 meterStart/meterStop). */
export function registerWh(meterValue: Payload[] | undefined): number | undefined {
  for (const mv of meterValue ?? []) {
    for (const sv of mv.sampledValue as Payload[]) {
      if ((sv.measurand ?? 'Energy.Active.Import.Register') !== 'Energy.Active.Import.Register') continue;
      if (sv.signedMeterValue) continue;
      const unit = sv.unitOfMeasure?.unit ?? 'Wh';
      const scale =
        10 ** (sv.unitOfMeasure?.multiplier ?? 0) * (unit === 'kWh' ? 1000 : unit === 'Wh' ? 1 : Number.NaN);
      const wh = Math.round(sv.value * scale);
      if (Number.isSafeInteger(wh)) return wh;
    }
  }
  return undefined;
}

/** 2.x DataTransfer `data` is any JSON; 1.6 wants a string. */
export function dataString(data: unknown): string | undefined {
  if (data === undefined) return undefined;
  return typeof data === 'string' ? data : JSON.stringify(data);
}

/** 2.1 wants retries and retryInterval >= 0; 1.6 allows any integer. A negative one is left out. */
export function retriesOf(p: Payload): { retries?: number; retryInterval?: number } {
  return compact({
    retries: p.retries !== undefined && p.retries >= 0 ? p.retries : undefined,
    retryInterval: p.retryInterval !== undefined && p.retryInterval >= 0 ? p.retryInterval : undefined,
  });
}

// ── certificates ─────────────────────────────────────────────────────────────────────────────────

/** 2.x certificate types 1.6 (security whitepaper) has, by their 2.x name; the 1.6 name as value. */
export const CERT_TYPE_TO_16: Readonly<Record<string, string>> = {
  CSMSRootCertificate: 'CentralSystemRootCertificate',
  ManufacturerRootCertificate: 'ManufacturerRootCertificate',
};
export const CERT_TYPE_TO_2: Readonly<Record<string, string>> = {
  CentralSystemRootCertificate: 'CSMSRootCertificate',
  ManufacturerRootCertificate: 'ManufacturerRootCertificate',
};
