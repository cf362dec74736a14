import type { Payload, TranslationContext } from '../types.js';
import { compact, type Ocpp2 } from './convert.js';

/** 1.6 limits are multiples of 0.1 (schema `multipleOf`); 2.x limits are any number. */
export const tenth = (n: number | undefined) => (n === undefined ? undefined : Math.round(n * 10) / 10);

export const PURPOSE_TO_16: Readonly<Record<string, string>> = {
  ChargingStationMaxProfile: 'ChargePointMaxProfile',
  TxDefaultProfile: 'TxDefaultProfile',
  TxProfile: 'TxProfile',
};

/**
 * 2.x ChargingProfile -> 1.6 csChargingProfiles, or undefined when 1.6 cannot hold it: more than one
 * schedule, a purpose 1.6 lacks (ChargingStationExternalConstraints, 2.1 PriorityCharging /
 * LocalGeneration), a Dynamic profile, a period without a `limit` (2.1 setpoint-only), or a transaction
 * the proxy does not know. Lost: sales tariffs, phaseToUse, 2.1 V2X and offline fields.
 */
export async function chargingProfile16Of(p: Payload, ctx: TranslationContext): Promise<Payload | undefined> {
  const purpose = PURPOSE_TO_16[p.chargingProfilePurpose];
  if (!purpose || p.chargingSchedule.length !== 1) return undefined;
  if (!['Absolute', 'Recurring', 'Relative'].includes(p.chargingProfileKind)) return undefined;
  const schedule = p.chargingSchedule[0];
  if ((schedule.chargingSchedulePeriod as Payload[]).some((period) => period.limit === undefined))
    return undefined;
  let transactionId: number | undefined;
  if (p.transactionId !== undefined) {
    const found = await ctx.services.transactions.findById(ctx.identity, p.transactionId);
    transactionId = found?.context.transactionId16;
    if (transactionId === undefined) return undefined;
  }
  return compact({
    chargingProfileId: p.id,
    transactionId,
    stackLevel: p.stackLevel,
    chargingProfilePurpose: purpose,
    chargingProfileKind: p.chargingProfileKind,
    recurrencyKind: p.recurrencyKind,
    validFrom: p.validFrom,
    validTo: p.validTo,
    chargingSchedule: chargingSchedule16Of(schedule),
  });
}

export function chargingSchedule16Of(s: Payload): Payload {
  return compact({
    duration: s.duration,
    startSchedule: s.startSchedule,
    chargingRateUnit: s.chargingRateUnit,
    chargingSchedulePeriod: (s.chargingSchedulePeriod as Payload[]).map((period) =>
      compact({
        startPeriod: period.startPeriod,
        limit: tenth(period.limit),
        numberPhases: period.numberPhases,
      }),
    ),
    minChargingRate: tenth(s.minChargingRate),
  });
}

export const PURPOSE_TO_2: Readonly<Record<string, string>> = {
  ChargePointMaxProfile: 'ChargingStationMaxProfile',
  TxDefaultProfile: 'TxDefaultProfile',
  TxProfile: 'TxProfile',
};

/**
 * 1.6 csChargingProfiles -> 2.x ChargingProfile (one schedule, id = profile id). A 1.6 transaction id
 * the proxy does not know makes it unrepresentable (undefined). 2.1 wants stackLevel >= 0 and
 * numberPhases 0..3: values outside are unrepresentable there too.
 */
export async function chargingProfile2Of(
  p: Payload,
  ctx: TranslationContext,
  v2: Ocpp2,
): Promise<Payload | undefined> {
  let transactionId: string | undefined;
  if (p.transactionId !== undefined) {
    const found = await ctx.services.transactions.findBy16(ctx.identity, p.transactionId);
    transactionId = found?.context.transactionId;
    if (transactionId === undefined) return undefined;
  }
  const schedule = chargingSchedule2Of(p.chargingSchedule, p.chargingProfileId, v2);
  if (!schedule) return undefined;
  if (v2 === 'ocpp2.1' && p.stackLevel < 0) return undefined;
  return compact({
    id: p.chargingProfileId,
    stackLevel: p.stackLevel,
    chargingProfilePurpose: PURPOSE_TO_2[p.chargingProfilePurpose],
    chargingProfileKind: p.chargingProfileKind,
    recurrencyKind: p.recurrencyKind,
    validFrom: p.validFrom,
    validTo: p.validTo,
    transactionId,
    chargingSchedule: [schedule],
  });
}

export function chargingSchedule2Of(s: Payload, id: number, v2: Ocpp2): Payload | undefined {
  const periods = s.chargingSchedulePeriod as Payload[];
  if (periods.length === 0 || periods.length > 1024) return undefined;
  if (
    v2 === 'ocpp2.1' &&
    periods.some((p) => p.numberPhases !== undefined && (p.numberPhases < 0 || p.numberPhases > 3))
  )
    return undefined;
  return compact({
    id,
    startSchedule: s.startSchedule,
    duration: s.duration,
    chargingRateUnit: s.chargingRateUnit,
    chargingSchedulePeriod: periods.map((p) =>
      compact({ startPeriod: p.startPeriod, limit: p.limit, numberPhases: p.numberPhases }),
    ),
    minChargingRate: s.minChargingRate,
  });
}
