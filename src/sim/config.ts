/**
 * A station's configuration: 1.6 keys (GetConfiguration/ChangeConfiguration) and the 2.x device-model
 * variables (GetVariables/SetVariables) in one store. Entries that exist in both versions share one value
 * under the 1.6 key name, per the 2.0.1 appendix key map (HeartbeatInterval ↔ OCPPCommCtrlr.HeartbeatInterval,
 * MeterValueSampleInterval ↔ SampledDataCtrlr.TxUpdatedInterval, …), so the behaviour model reads one name.
 */

export const MEASURANDS = [
  'Energy.Active.Import.Register',
  'Power.Active.Import',
  'Current.Import',
  'Voltage',
  'SoC',
] as const;
export type Measurand = (typeof MEASURANDS)[number];

type Kind = 'int' | 'bool' | 'measurands' | 'string';

interface Definition {
  /** The 1.6 key, or for 2.x-only variables `Component.Variable`. */
  key: string;
  kind: Kind;
  initial: string;
  readonly?: boolean;
  /** Takes effect after a reboot (ChangeConfiguration answers RebootRequired). */
  reboot?: boolean;
  /** Not a 1.6 configuration key. */
  only2x?: boolean;
  /** The 2.x component and variable; none: 1.6 only. */
  v2?: readonly [component: string, variable: string];
}

const DEFINITIONS: readonly Definition[] = [
  { key: 'HeartbeatInterval', kind: 'int', initial: '0', v2: ['OCPPCommCtrlr', 'HeartbeatInterval'] },
  {
    key: 'MeterValueSampleInterval',
    kind: 'int',
    initial: '10',
    v2: ['SampledDataCtrlr', 'TxUpdatedInterval'],
  },
  {
    key: 'MeterValuesSampledData',
    kind: 'measurands',
    initial: 'Energy.Active.Import.Register,Power.Active.Import',
    v2: ['SampledDataCtrlr', 'TxUpdatedMeasurands'],
  },
  {
    key: 'StopTxnSampledData',
    kind: 'measurands',
    initial: 'Energy.Active.Import.Register',
    v2: ['SampledDataCtrlr', 'TxEndedMeasurands'],
  },
  { key: 'ClockAlignedDataInterval', kind: 'int', initial: '0', v2: ['AlignedDataCtrlr', 'Interval'] },
  { key: 'ConnectionTimeOut', kind: 'int', initial: '60', v2: ['TxCtrlr', 'EVConnectionTimeOut'] },
  { key: 'StopTransactionOnInvalidId', kind: 'bool', initial: 'true', v2: ['TxCtrlr', 'StopTxOnInvalidId'] },
  {
    key: 'AuthorizeRemoteTxRequests',
    kind: 'bool',
    initial: 'false',
    v2: ['AuthCtrlr', 'AuthorizeRemoteStart'],
  },
  { key: 'LocalAuthorizeOffline', kind: 'bool', initial: 'true', v2: ['AuthCtrlr', 'LocalAuthorizeOffline'] },
  { key: 'LocalPreAuthorize', kind: 'bool', initial: 'false', v2: ['AuthCtrlr', 'LocalPreAuthorize'] },
  {
    key: 'WebSocketPingInterval',
    kind: 'int',
    initial: '0',
    reboot: true,
    v2: ['OCPPCommCtrlr', 'WebSocketPingInterval'],
  },
  { key: 'TransactionMessageAttempts', kind: 'int', initial: '3', v2: ['OCPPCommCtrlr', 'MessageAttempts'] },
  {
    key: 'TransactionMessageRetryInterval',
    kind: 'int',
    initial: '60',
    v2: ['OCPPCommCtrlr', 'MessageAttemptInterval'],
  },
  { key: 'ResetRetries', kind: 'int', initial: '1', v2: ['OCPPCommCtrlr', 'ResetRetries'] },
  { key: 'NumberOfConnectors', kind: 'int', initial: '2', readonly: true },
  {
    key: 'SupportedFeatureProfiles',
    kind: 'string',
    initial: 'Core,RemoteTrigger,SmartCharging',
    readonly: true,
  },
  { key: 'ChargeProfileMaxStackLevel', kind: 'int', initial: '10', readonly: true },
  {
    key: 'ChargingScheduleAllowedChargingRateUnit',
    kind: 'string',
    initial: 'Current,Power',
    readonly: true,
  },
  { key: 'GetConfigurationMaxKeys', kind: 'int', initial: '50', readonly: true },
  { key: 'UnlockConnectorOnEVSideDisconnect', kind: 'bool', initial: 'true' },
  // 1.6 security whitepaper key; read-only here since the simulator cannot switch to TLS on its own.
  {
    key: 'SecurityProfile',
    kind: 'int',
    initial: '0',
    readonly: true,
    v2: ['SecurityCtrlr', 'SecurityProfile'],
  },
  {
    key: 'SecurityCtrlr.Identity',
    kind: 'string',
    initial: '',
    readonly: true,
    only2x: true,
    v2: ['SecurityCtrlr', 'Identity'],
  },
  {
    key: 'TxCtrlr.TxStartPoint',
    kind: 'string',
    initial: 'Authorized',
    readonly: true,
    only2x: true,
    v2: ['TxCtrlr', 'TxStartPoint'],
  },
  {
    key: 'TxCtrlr.TxStopPoint',
    kind: 'string',
    initial: 'Authorized',
    readonly: true,
    only2x: true,
    v2: ['TxCtrlr', 'TxStopPoint'],
  },
];

const BY_KEY = new Map(DEFINITIONS.map((d) => [d.key.toLowerCase(), d]));
const BY_VARIABLE = new Map(
  DEFINITIONS.filter((d) => d.v2).map((d) => [`${d.v2![0]}.${d.v2![1]}`.toLowerCase(), d]),
);
const COMPONENTS = new Set(DEFINITIONS.filter((d) => d.v2).map((d) => d.v2![0].toLowerCase()));

export type ChangeStatus = 'Accepted' | 'Rejected' | 'RebootRequired' | 'NotSupported';
export type VariableStatus =
  | 'Accepted'
  | 'Rejected'
  | 'UnknownComponent'
  | 'UnknownVariable'
  | 'RebootRequired';

export interface ComponentRef {
  name: string;
  instance?: string;
  evse?: unknown;
}
export interface VariableRef {
  name: string;
  instance?: string;
}

export class ConfigStore {
  private readonly values = new Map<string, string>();

  /** `onChange(key)` runs after a value a peer set took effect (not for RebootRequired ones). */
  constructor(
    initial: Record<string, string>,
    private readonly onChange: (key: string) => void = () => {},
  ) {
    for (const d of DEFINITIONS) this.values.set(d.key, initial[d.key] ?? d.initial);
  }

  get(key: string): string {
    return this.values.get(key) ?? '';
  }

  int(key: string): number {
    return Number(this.get(key)) || 0;
  }

  bool(key: string): boolean {
    return this.get(key) === 'true';
  }

  measurands(key: string): Measurand[] {
    return this.get(key)
      .split(',')
      .filter((m): m is Measurand => (MEASURANDS as readonly string[]).includes(m));
  }

  /** Set by the station itself (e.g. the interval a BootNotification response gave): no checks. */
  setInternal(key: string, value: string): void {
    this.values.set(key, value);
  }

  // --- 1.6 -----------------------------------------------------------------------------------------
  getConfiguration(keys: readonly string[] | undefined) {
    const known: { key: string; readonly: boolean; value: string }[] = [];
    const unknownKey: string[] = [];
    const wanted = keys?.length ? keys : DEFINITIONS.filter((d) => !d.only2x).map((d) => d.key);
    for (const k of wanted) {
      const d = BY_KEY.get(k.toLowerCase());
      if (!d || d.only2x) unknownKey.push(k);
      else known.push({ key: d.key, readonly: !!d.readonly, value: this.get(d.key) });
    }
    return {
      ...(known.length ? { configurationKey: known } : {}),
      ...(unknownKey.length ? { unknownKey } : {}),
    };
  }

  changeConfiguration(key: string, value: string): ChangeStatus {
    const d = BY_KEY.get(key.toLowerCase());
    if (!d || d.only2x) return 'NotSupported';
    return this.apply(d, value);
  }

  // --- 2.x -----------------------------------------------------------------------------------------
  getVariable(
    component: ComponentRef,
    variable: VariableRef,
  ): { status: Exclude<VariableStatus, 'RebootRequired'>; value?: string } {
    const d = this.lookup(component, variable);
    if (typeof d === 'string') return { status: d };
    return { status: 'Accepted', value: this.get(d.key) };
  }

  setVariable(component: ComponentRef, variable: VariableRef, value: string): VariableStatus {
    const d = this.lookup(component, variable);
    if (typeof d === 'string') return d;
    const status = this.apply(d, value);
    return status === 'NotSupported' ? 'Rejected' : status;
  }

  private lookup(
    component: ComponentRef,
    variable: VariableRef,
  ): Definition | 'UnknownComponent' | 'UnknownVariable' {
    // Every variable here belongs to a station-wide controller component: no instances, no EVSE.
    if (component.instance !== undefined || component.evse !== undefined) return 'UnknownComponent';
    if (!COMPONENTS.has(component.name.toLowerCase())) return 'UnknownComponent';
    if (variable.instance !== undefined) return 'UnknownVariable';
    return BY_VARIABLE.get(`${component.name}.${variable.name}`.toLowerCase()) ?? 'UnknownVariable';
  }

  private apply(d: Definition, value: string): ChangeStatus {
    if (d.readonly || !valid(d.kind, value)) return 'Rejected';
    this.values.set(d.key, value);
    if (d.reboot) return 'RebootRequired';
    this.onChange(d.key);
    return 'Accepted';
  }
}

function valid(kind: Kind, value: string): boolean {
  switch (kind) {
    case 'int':
      return /^\d{1,9}$/.test(value);
    case 'bool':
      return value === 'true' || value === 'false';
    case 'measurands':
      return value === '' || value.split(',').every((m) => (MEASURANDS as readonly string[]).includes(m));
    case 'string':
      return value.length <= 500;
  }
}
