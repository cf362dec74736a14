import type { Payload, TranslationMap } from '../../types.js';
import { compact, type Ocpp2 } from '../convert.js';
import { chargingProfile2Of, PURPOSE_TO_2, tenth } from '../profiles.js';
import { keys2 } from './keys.js';

/** Smart Charging for a 2.x station behind a 1.6 CSMS. */
export function smartCharging2(v2: Ocpp2): TranslationMap {
  const { down } = keys2(v2);
  const evseIdOf = async (
    connectorId: number,
    ctx: Parameters<NonNullable<TranslationMap['upstream']>[string]>[1],
  ) => (connectorId === 0 ? 0 : (await ctx.services.connectors.toEvse(ctx.identity, connectorId)).evseId);
  return {
    downstream: {
      [down('SetChargingProfile')]: async (p, ctx) => {
        const chargingProfile = await chargingProfile2Of(p.csChargingProfiles, ctx, v2);
        if (!chargingProfile) return { reply: { status: 'Rejected' } };
        return { payload: { evseId: await evseIdOf(p.connectorId, ctx), chargingProfile } };
      },
      [down('ClearChargingProfile')]: async (p, ctx) => {
        const stackLevel = v2 === 'ocpp2.1' && p.stackLevel < 0 ? undefined : p.stackLevel;
        const criteria = compact({
          evseId: p.connectorId === undefined ? undefined : await evseIdOf(p.connectorId, ctx),
          chargingProfilePurpose: p.chargingProfilePurpose
            ? PURPOSE_TO_2[p.chargingProfilePurpose]
            : undefined,
          stackLevel,
        });
        return {
          payload: compact({
            chargingProfileId: p.id,
            chargingProfileCriteria: Object.keys(criteria).length > 0 ? criteria : undefined,
          }),
        };
      },
      [down('GetCompositeSchedule')]: async (p, ctx) => ({
        payload: compact({
          duration: p.duration,
          chargingRateUnit: p.chargingRateUnit,
          evseId: await evseIdOf(p.connectorId, ctx),
        }),
      }),
    },
    responses: {
      [down('SetChargingProfile')]: (p) => ({ payload: { status: p.status } }),
      [down('ClearChargingProfile')]: (p) => ({ payload: { status: p.status } }),
      [down('GetCompositeSchedule')]: (p, ctx) => {
        const s = p.schedule as Payload | undefined;
        const periods = (s?.chargingSchedulePeriod ?? []) as Payload[];
        // 2.1 periods may carry only setpoints; 1.6 needs a limit in each.
        if (p.status !== 'Accepted' || !s || periods.some((x) => x.limit === undefined))
          return { payload: { status: 'Rejected' } };
        return {
          payload: {
            status: 'Accepted',
            connectorId: ctx.call.payload.connectorId,
            scheduleStart: s.scheduleStart,
            chargingSchedule: {
              duration: s.duration,
              startSchedule: s.scheduleStart,
              chargingRateUnit: s.chargingRateUnit,
              chargingSchedulePeriod: periods.map((x) =>
                compact({ startPeriod: x.startPeriod, limit: tenth(x.limit), numberPhases: x.numberPhases }),
              ),
            },
          },
        };
      },
    },
  };
}
