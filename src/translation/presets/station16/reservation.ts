import type { TranslationMap } from '../../types.js';
import { compact, idTagOf, type Ocpp2 } from '../convert.js';
import { keys16 } from './keys.js';

/** Reservation for a 1.6 station behind a 2.x CSMS. A reservation without an EVSE is for connector 0 (any). */
export function reservation16(v2: Ocpp2): TranslationMap {
  const { down } = keys16(v2);
  return {
    downstream: {
      [down('ReserveNow')]: async (p, ctx) => {
        const idTag = idTagOf(p.idToken);
        if (idTag === undefined) return { reply: { status: 'Rejected' } };
        const connectorId =
          p.evseId === undefined || p.evseId === 0
            ? 0
            : await ctx.services.connectors.toConnector16(ctx.identity, p.evseId);
        return {
          payload: compact({
            connectorId,
            expiryDate: p.expiryDateTime,
            idTag,
            parentIdTag: p.groupIdToken ? idTagOf(p.groupIdToken) : undefined,
            reservationId: p.id,
          }),
        };
      },
      [down('CancelReservation')]: (p) => ({ payload: { reservationId: p.reservationId } }),
    },
    responses: {
      [down('ReserveNow')]: (p) => ({ payload: { status: p.status } }),
      [down('CancelReservation')]: (p) => ({ payload: { status: p.status } }),
    },
  };
}
