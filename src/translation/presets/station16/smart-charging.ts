import type { Payload, TranslationMap } from '../../types.js';
import { compact, nowIso, type Ocpp2 } from '../convert.js';
import { chargingProfile16Of, PURPOSE_TO_16 } from '../profiles.js';
import { keys16 } from './keys.js';

/** Smart Charging for a 1.6 station behind a 2.x CSMS: SetChargingProfile, ClearChargingProfile, GetCompositeSchedule. */
export function smartCharging16(v2: Ocpp2): TranslationMap {
  const { down } = keys16(v2);
  return {
    downstream: {
      [down('SetChargingProfile')]: async (p, ctx) => {
        const profile = await chargingProfile16Of(p.chargingProfile, ctx);
        if (!profile)
          return { reply: { status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedParam' } } };
        const connectorId =
          p.evseId === 0 ? 0 : await ctx.services.connectors.toConnector16(ctx.identity, p.evseId);
        return { payload: { connectorId, csChargingProfiles: profile } };
      },
      [down('ClearChargingProfile')]: async (p, ctx) => {
        const c = p.chargingProfileCriteria;
        let purpose: string | undefined;
        if (c?.chargingProfilePurpose !== undefined) {
          purpose = PURPOSE_TO_16[c.chargingProfilePurpose];
          // A purpose 1.6 lacks: the station cannot hold such a profile, so there is none to clear.
          if (!purpose) return { reply: { status: 'Unknown' } };
        }
        const connectorId =
          c?.evseId === undefined
            ? undefined
            : c.evseId === 0
              ? 0
              : await ctx.services.connectors.toConnector16(ctx.identity, c.evseId);
        return {
          payload: compact({
            id: p.chargingProfileId,
            connectorId,
            chargingProfilePurpose: purpose,
            stackLevel: c?.stackLevel,
          }),
        };
      },
      [down('GetCompositeSchedule')]: async (p, ctx) => {
        const connectorId =
          p.evseId === 0 ? 0 : await ctx.services.connectors.toConnector16(ctx.identity, p.evseId);
        return {
          payload: compact({ connectorId, duration: p.duration, chargingRateUnit: p.chargingRateUnit }),
        };
      },
    },
    responses: {
      [down('SetChargingProfile')]: (p) => ({
        payload: { status: p.status === 'Accepted' ? 'Accepted' : 'Rejected' },
      }),
      [down('ClearChargingProfile')]: (p) => ({ payload: { status: p.status } }),
      [down('GetCompositeSchedule')]: (p, ctx) => {
        const phases = (n: number | undefined) =>
          n === undefined || (v2 === 'ocpp2.1' && (n < 0 || n > 3)) ? undefined : n;
        const asked = ctx.call.payload;
        const s = p.chargingSchedule as Payload | undefined;
        if (p.status !== 'Accepted' || !s)
          return { payload: { status: p.status === 'Accepted' ? 'Rejected' : p.status } };
        return {
          payload: {
            status: 'Accepted',
            schedule: {
              evseId: asked.evseId,
              duration: s.duration ?? asked.duration,
              scheduleStart: p.scheduleStart ?? s.startSchedule ?? nowIso(),
              chargingRateUnit: s.chargingRateUnit,
              chargingSchedulePeriod: (s.chargingSchedulePeriod as Payload[]).map((period) =>
                compact({
                  startPeriod: period.startPeriod,
                  limit: period.limit,
                  numberPhases: phases(period.numberPhases),
                }),
              ),
            },
          },
        };
      },
    },
  };
}
