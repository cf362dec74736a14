import { mergePresets } from '../../merge.js';
import type { TranslationMap } from '../../types.js';
import type { Ocpp2 } from '../convert.js';
import { authorization2 } from './authorization.js';
import { configuration2 } from './configuration.js';
import { core2 } from './core.js';
import { firmware2 } from './firmware.js';
import { security2 } from './security.js';
import { smartCharging2 } from './smart-charging.js';
import { transactions2 } from './transactions.js';

/** A 2.x station behind a 1.6 CSMS: every 1.6 message (six profiles and the security whitepaper) the CSMS may send or expect. */
export const station2Preset = (v2: Ocpp2): TranslationMap =>
  mergePresets(
    core2(v2),
    transactions2(v2),
    configuration2(v2),
    smartCharging2(v2),
    firmware2(v2),
    authorization2(v2),
    security2(v2),
  );
