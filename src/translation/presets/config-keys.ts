/**
 * 1.6 configuration keys <-> 2.x device-model variables (2.0.1 appendices; ocpp-notes §4.2).
 * A 1.6 key without a 2.x variable is reported under the component `OCPP16Configuration` with the key as
 * the variable name, and that component's variables go back to the station as plain 1.6 keys, so vendor
 * keys still round-trip.
 */
export interface DeviceVariable {
  readonly component: string;
  readonly variable: string;
}

export const LEGACY_COMPONENT = 'OCPP16Configuration';

export const KEY_MAP: Readonly<Record<string, DeviceVariable>> = {
  HeartbeatInterval: { component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval' },
  WebSocketPingInterval: { component: 'OCPPCommCtrlr', variable: 'WebSocketPingInterval' },
  MeterValueSampleInterval: { component: 'SampledDataCtrlr', variable: 'TxUpdatedInterval' },
  MeterValuesSampledData: { component: 'SampledDataCtrlr', variable: 'TxUpdatedMeasurands' },
  ConnectionTimeOut: { component: 'TxCtrlr', variable: 'EVConnectionTimeOut' },
  StopTransactionOnInvalidId: { component: 'TxCtrlr', variable: 'StopTxOnInvalidId' },
  AuthorizeRemoteTxRequests: { component: 'AuthCtrlr', variable: 'AuthorizeRemoteStart' },
  LocalAuthorizeOffline: { component: 'AuthCtrlr', variable: 'LocalAuthorizeOffline' },
  LocalPreAuthorize: { component: 'AuthCtrlr', variable: 'LocalPreAuthorize' },
  ClockAlignedDataInterval: { component: 'AlignedDataCtrlr', variable: 'Interval' },
  TransactionMessageAttempts: { component: 'OCPPCommCtrlr', variable: 'MessageAttempts' },
  TransactionMessageRetryInterval: { component: 'OCPPCommCtrlr', variable: 'MessageAttemptInterval' },
  AuthorizationKey: { component: 'SecurityCtrlr', variable: 'BasicAuthPassword' },
  SecurityProfile: { component: 'SecurityCtrlr', variable: 'SecurityProfile' },
};

const REVERSE = new Map(Object.entries(KEY_MAP).map(([key, v]) => [`${v.component}.${v.variable}`, key]));

/** The 2.x variable a 1.6 key is. */
export function variableOf(key16: string): DeviceVariable {
  return (
    (Object.hasOwn(KEY_MAP, key16) ? KEY_MAP[key16] : undefined) ?? {
      component: LEGACY_COMPONENT,
      variable: key16,
    }
  );
}

/** The 1.6 key a 2.x variable is, or undefined when 1.6 has none. */
export function keyOf(component: string, variable: string): string | undefined {
  if (component === LEGACY_COMPONENT) return variable;
  return REVERSE.get(`${component}.${variable}`);
}

/**
 * For a 1.6 CSMS in front of a 2.x station: the 1.6 key a variable is reported under. Unmapped variables
 * are `Component.Variable` (when that fits 1.6's 50 characters), which `variableOfKey2` reads back.
 */
export function keyOf2(component: string, variable: string): string | undefined {
  const key = keyOf(component, variable) ?? `${component}.${variable}`;
  return key.length <= 50 ? key : undefined;
}

/** The 2.x variable a 1.6 CSMS's key names (see `keyOf2`). */
export function variableOfKey2(key16: string): DeviceVariable {
  if (Object.hasOwn(KEY_MAP, key16)) return KEY_MAP[key16]!;
  const dot = key16.indexOf('.');
  if (dot > 0 && dot < key16.length - 1)
    return { component: key16.slice(0, dot), variable: key16.slice(dot + 1) };
  return { component: LEGACY_COMPONENT, variable: key16 };
}
