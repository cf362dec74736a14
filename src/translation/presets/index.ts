import type { TranslationMap } from '../types.js';
import { between2x } from './between2x.js';
import { station2Preset } from './station2/index.js';
import {
  core16Preset,
  firmware16,
  localAuth16,
  remoteTrigger16,
  reservation16,
  security16,
  smartCharging16,
  station16Preset,
} from './station16/index.js';

/**
 * The seed's preset names. `ocppX_to_ocppY` is a station speaking X behind a CSMS speaking Y; the
 * profile presets (`corePreset`, …) are the 1.6-station-behind-2.1 slices, as in the reference.
 */
export const presets = {
  ocpp16_to_ocpp21: station16Preset('ocpp2.1'),
  ocpp16_to_ocpp201: station16Preset('ocpp2.0.1'),
  ocpp21_to_ocpp16: station2Preset('ocpp2.1'),
  ocpp201_to_ocpp16: station2Preset('ocpp2.0.1'),
  ocpp201_to_ocpp21: between2x('ocpp2.0.1', 'ocpp2.1'),
  ocpp21_to_ocpp201: between2x('ocpp2.1', 'ocpp2.0.1'),
} satisfies Record<string, TranslationMap>;

export const corePreset: TranslationMap = core16Preset('ocpp2.1');
export const smartChargingPreset: TranslationMap = smartCharging16('ocpp2.1');
export const firmwarePreset: TranslationMap = firmware16('ocpp2.1');
export const reservationPreset: TranslationMap = reservation16('ocpp2.1');
export const localAuthPreset: TranslationMap = localAuth16('ocpp2.1');
export const remoteTriggerPreset: TranslationMap = remoteTrigger16('ocpp2.1');
/** The 1.6 security whitepaper's 11 messages (not in the reference). */
export const securityPreset: TranslationMap = security16('ocpp2.1');
