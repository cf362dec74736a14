import { mergePresets } from '../../merge.js';
import type { TranslationMap } from '../../types.js';
import type { Ocpp2 } from '../convert.js';
import { configuration16 } from './configuration.js';
import { core16 } from './core.js';
import { firmware16 } from './firmware.js';
import { localAuth16 } from './local-auth.js';
import { remoteTrigger16 } from './remote-trigger.js';
import { reservation16 } from './reservation.js';
import { security16 } from './security.js';
import { smartCharging16 } from './smart-charging.js';
import { transactions16 } from './transactions.js';

/** The 1.6 Core profile (16 messages) behind a 2.x CSMS, configuration and transactions included. */
export const core16Preset = (v2: Ocpp2): TranslationMap =>
  mergePresets(core16(v2), transactions16(v2), configuration16(v2));

/** Every 1.6 message of the six profiles plus the 11 security-whitepaper messages, behind a 2.x CSMS. */
export const station16Preset = (v2: Ocpp2): TranslationMap =>
  mergePresets(
    core16Preset(v2),
    smartCharging16(v2),
    firmware16(v2),
    reservation16(v2),
    localAuth16(v2),
    remoteTrigger16(v2),
    security16(v2),
  );

export {
  configuration16,
  firmware16,
  localAuth16,
  remoteTrigger16,
  reservation16,
  security16,
  smartCharging16,
};
