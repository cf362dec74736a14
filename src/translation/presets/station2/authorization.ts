import type { Payload, TranslationMap } from '../../types.js';
import { compact, idTokenInfoOf, idTokenOf, type Ocpp2 } from '../convert.js';
import { keys2 } from './keys.js';

/** Reservation and the local authorization list for a 2.x station behind a 1.6 CSMS. */
export function authorization2(v2: Ocpp2): TranslationMap {
  const { down } = keys2(v2);
  return {
    downstream: {
      [down('ReserveNow')]: async (p, ctx) => {
        // 2.1 reservation ids are >= 0.
        if (v2 === 'ocpp2.1' && p.reservationId < 0) return { reply: { status: 'Rejected' } };
        const evse =
          p.connectorId > 0 ? await ctx.services.connectors.toEvse(ctx.identity, p.connectorId) : undefined;
        return {
          payload: compact({
            id: p.reservationId,
            expiryDateTime: p.expiryDate,
            idToken: idTokenOf(p.idTag, 'Central'),
            evseId: evse?.evseId,
            groupIdToken: p.parentIdTag !== undefined ? idTokenOf(p.parentIdTag, 'Central') : undefined,
          }),
        };
      },
      [down('CancelReservation')]: (p) =>
        v2 === 'ocpp2.1' && p.reservationId < 0
          ? { reply: { status: 'Rejected' } }
          : { payload: { reservationId: p.reservationId } },
      [down('GetLocalListVersion')]: () => ({ payload: {} }),
      [down('SendLocalList')]: (p) => {
        const list = ((p.localAuthorizationList ?? []) as Payload[]).map((entry) =>
          compact({
            idToken: idTokenOf(entry.idTag),
            idTokenInfo: entry.idTagInfo ? idTokenInfoOf(entry.idTagInfo) : undefined,
          }),
        );
        return {
          payload: compact({
            versionNumber: p.listVersion,
            updateType: p.updateType,
            localAuthorizationList: list.length > 0 ? list : undefined,
          }),
        };
      },
    },
    responses: {
      [down('ReserveNow')]: (p) => ({ payload: { status: p.status } }),
      [down('CancelReservation')]: (p) => ({ payload: { status: p.status } }),
      [down('GetLocalListVersion')]: (p) => ({ payload: { listVersion: p.versionNumber } }),
      [down('SendLocalList')]: (p) => ({ payload: { status: p.status } }),
    },
  };
}
