import type { OcppVersion } from './versions.js';

/**
 * Who may send a CALL for an action. The schemas do not say it; the specs do
 * (1.6 §3 "Operations initiated by…", 1.6 security whitepaper, 2.0.1/2.1 Part 2 use cases).
 */
export type ActionDirection = 'StationToCsms' | 'CsmsToStation' | 'Both';

const V16_STATION_TO_CSMS = [
  'Authorize',
  'BootNotification',
  'DiagnosticsStatusNotification',
  'FirmwareStatusNotification',
  'Heartbeat',
  'MeterValues',
  'StartTransaction',
  'StatusNotification',
  'StopTransaction',
  // 1.6 security whitepaper
  'LogStatusNotification',
  'SecurityEventNotification',
  'SignCertificate',
  'SignedFirmwareStatusNotification',
] as const;

const V16_CSMS_TO_STATION = [
  'CancelReservation',
  'ChangeAvailability',
  'ChangeConfiguration',
  'ClearCache',
  'ClearChargingProfile',
  'GetCompositeSchedule',
  'GetConfiguration',
  'GetDiagnostics',
  'GetLocalListVersion',
  'RemoteStartTransaction',
  'RemoteStopTransaction',
  'ReserveNow',
  'Reset',
  'SendLocalList',
  'SetChargingProfile',
  'TriggerMessage',
  'UnlockConnector',
  'UpdateFirmware',
  // 1.6 security whitepaper
  'CertificateSigned',
  'DeleteCertificate',
  'ExtendedTriggerMessage',
  'GetInstalledCertificateIds',
  'GetLog',
  'InstallCertificate',
  'SignedUpdateFirmware',
] as const;

const V201_STATION_TO_CSMS = [
  'Authorize',
  'BootNotification',
  'ClearedChargingLimit',
  'FirmwareStatusNotification',
  'Get15118EVCertificate',
  'GetCertificateStatus',
  'Heartbeat',
  'LogStatusNotification',
  'MeterValues',
  'NotifyChargingLimit',
  'NotifyCustomerInformation',
  'NotifyDisplayMessages',
  'NotifyEVChargingNeeds',
  'NotifyEVChargingSchedule',
  'NotifyEvent',
  'NotifyMonitoringReport',
  'NotifyReport',
  'PublishFirmwareStatusNotification',
  'ReportChargingProfiles',
  'ReservationStatusUpdate',
  'SecurityEventNotification',
  'SignCertificate',
  'StatusNotification',
  'TransactionEvent',
] as const;

const V201_CSMS_TO_STATION = [
  'CancelReservation',
  'CertificateSigned',
  'ChangeAvailability',
  'ClearCache',
  'ClearChargingProfile',
  'ClearDisplayMessage',
  'ClearVariableMonitoring',
  'CostUpdated',
  'CustomerInformation',
  'DeleteCertificate',
  'GetBaseReport',
  'GetChargingProfiles',
  'GetCompositeSchedule',
  'GetDisplayMessages',
  'GetInstalledCertificateIds',
  'GetLocalListVersion',
  'GetLog',
  'GetMonitoringReport',
  'GetReport',
  'GetTransactionStatus',
  'GetVariables',
  'InstallCertificate',
  'PublishFirmware',
  'RequestStartTransaction',
  'RequestStopTransaction',
  'ReserveNow',
  'Reset',
  'SendLocalList',
  'SetChargingProfile',
  'SetDisplayMessage',
  'SetMonitoringBase',
  'SetMonitoringLevel',
  'SetNetworkProfile',
  'SetVariableMonitoring',
  'SetVariables',
  'TriggerMessage',
  'UnlockConnector',
  'UnpublishFirmware',
  'UpdateFirmware',
] as const;

const V21_STATION_TO_CSMS = [
  ...V201_STATION_TO_CSMS,
  'BatterySwap',
  'ClosePeriodicEventStream',
  'GetCertificateChainStatus',
  'NotifyDERAlarm',
  'NotifyDERStartStop',
  'NotifyPriorityCharging',
  'NotifySettlement',
  'OpenPeriodicEventStream',
  'PullDynamicScheduleUpdate',
  'ReportDERControl',
  'VatNumberValidation',
] as const;

const V21_CSMS_TO_STATION = [
  ...V201_CSMS_TO_STATION,
  'AdjustPeriodicEventStream',
  'AFRRSignal',
  'ChangeTransactionTariff',
  'ClearDERControl',
  'ClearTariffs',
  'GetDERControl',
  'GetPeriodicEventStream',
  'GetTariffs',
  'NotifyAllowedEnergyTransfer',
  'NotifyWebPaymentStarted',
  'RequestBatterySwap',
  'SetDERControl',
  'SetDefaultTariff',
  'UpdateDynamicSchedule',
  'UsePriorityCharging',
] as const;

/** Actions carried by message type 6 (SEND) in 2.1: no response exists. */
export const SEND_ACTIONS = { 'ocpp2.1': ['NotifyPeriodicEventStream'] } as const;

export interface ActionInfo {
  readonly direction: ActionDirection;
  /** true for 2.1 SEND-only actions: there is no response schema and no reply. */
  readonly sendOnly: boolean;
}

function catalog(
  stationToCsms: readonly string[],
  csmsToStation: readonly string[],
  sendOnly: readonly string[] = [],
): ReadonlyMap<string, ActionInfo> {
  const map = new Map<string, ActionInfo>();
  for (const a of stationToCsms) map.set(a, { direction: 'StationToCsms', sendOnly: false });
  for (const a of csmsToStation) map.set(a, { direction: 'CsmsToStation', sendOnly: false });
  map.set('DataTransfer', { direction: 'Both', sendOnly: false });
  for (const a of sendOnly) map.set(a, { direction: 'StationToCsms', sendOnly: true });
  return map;
}

export const ACTIONS: Readonly<Record<OcppVersion, ReadonlyMap<string, ActionInfo>>> = {
  'ocpp1.6': catalog(V16_STATION_TO_CSMS, V16_CSMS_TO_STATION),
  'ocpp2.0.1': catalog(V201_STATION_TO_CSMS, V201_CSMS_TO_STATION),
  'ocpp2.1': catalog(V21_STATION_TO_CSMS, V21_CSMS_TO_STATION, SEND_ACTIONS['ocpp2.1']),
};

export type Side = 'csms' | 'station';

/** May `side` send a CALL (or SEND) of `action` in `version`? */
export function maySend(version: OcppVersion, side: Side, action: string): boolean {
  const info = ACTIONS[version].get(action);
  if (!info) return false;
  if (info.direction === 'Both') return true;
  return side === 'station' ? info.direction === 'StationToCsms' : info.direction === 'CsmsToStation';
}

export function actionInfo(version: OcppVersion, action: string): ActionInfo | undefined {
  return ACTIONS[version].get(action);
}
