import type { Payload, TranslationContext, TranslationMap, TranslationResult } from '../../types.js';
import {
  compact,
  idTagOf,
  idTokenInfoOf,
  meterValues16Of,
  type Ocpp2,
  reason16Of,
  registerWh,
} from '../convert.js';
import { chargingProfile2Of } from '../profiles.js';
import { keys2 } from './keys.js';

/** What a Started event left for the StartTransaction that follows once the transaction is authorized. */
interface PendingStart {
  readonly connectorId: number;
  readonly timestamp: string;
  readonly meterStart: number;
  readonly reservationId?: number;
}
const pendingStartKey = (evseId: number) => `tx/pendingStart/${evseId}`;

type Sent = 'start' | 'meter' | 'stop';

/** 2.x chargingState during a transaction -> 1.6 connector status (EVConnected and Idle have none). */
const STATUS_OF_CHARGING_STATE: Record<string, string> = {
  Charging: 'Charging',
  SuspendedEV: 'SuspendedEV',
  SuspendedEVSE: 'SuspendedEVSE',
};

async function connectorOf(p: Payload, ctx: TranslationContext, evseId: number): Promise<number> {
  return ctx.services.connectors.toConnector16(ctx.identity, evseId, p.evse?.connectorId);
}

/** StartTransaction for a 2.x transaction, now that it has an idTag. */
function startTransaction(ctx: TranslationContext, idTag: string, start: PendingStart): TranslationResult {
  ctx.call.data.sent = 'start' satisfies Sent;
  return {
    action: 'StartTransaction',
    payload: compact({
      connectorId: start.connectorId,
      idTag,
      meterStart: start.meterStart,
      timestamp: start.timestamp,
      reservationId: start.reservationId,
    }),
  };
}

/**
 * A 2.x station's transactions behind a 1.6 CSMS. Started -> StartTransaction (the CSMS's integer id is
 * bound to the station's string id when the .conf arrives), Updated -> MeterValues with that id,
 * Ended -> StopTransaction. A transaction started before authorization (ocpp-notes §4.2) is held back
 * until the Updated event that authorizes it, since 1.6 StartTransaction requires an idTag; if it ends
 * unauthorized the 1.6 CSMS never hears of it. RemoteStart/Stop become RequestStart/Stop.
 */
export function transactions2(v2: Ocpp2): TranslationMap {
  const { up, down } = keys2(v2);
  return {
    upstream: {
      [up('TransactionEvent')]: async (p, ctx) => {
        const { transactions } = ctx.services;
        const transactionId: string = p.transactionInfo.transactionId;
        const known = await transactions.findById(ctx.identity, transactionId);
        const evseId: number | undefined = p.evse?.id ?? known?.context.evseId;
        const idTag = p.idToken ? idTagOf(p.idToken) : undefined;
        if (p.eventType === 'Started') {
          if (evseId === undefined || evseId < 1) return { reply: {} };
          // A retried Started of a transaction the 1.6 CSMS already has (or is yet to be told of once
          // authorized): acknowledged, not started twice.
          if (known && known.state !== 'ended' && known.state !== 'endedUnseen') return { reply: {} };
          const start: PendingStart = {
            connectorId: await connectorOf(p, ctx, evseId),
            timestamp: p.timestamp,
            meterStart: registerWh(p.meterValue) ?? 0,
            reservationId: p.reservationId,
          };
          const { after } = await transactions.apply(ctx.identity, evseId, {
            type: 'START',
            transactionId,
            idToken: idTag,
            remoteStartId: p.transactionInfo.remoteStartId,
          });
          ctx.call.data.evseId = evseId;
          if (after.state === 'awaitingAuthorization') {
            await ctx.session.set(ctx.identity, pendingStartKey(evseId), start);
            return { reply: {} };
          }
          return startTransaction(ctx, after.context.idToken!, start);
        }
        if (!known || evseId === undefined) return { reply: {} };
        ctx.call.data.evseId = evseId;
        if (known.state === 'awaitingAuthorization') {
          if (p.eventType === 'Ended') {
            await transactions.apply(ctx.identity, evseId, { type: 'END' });
            await ctx.session.delete(ctx.identity, pendingStartKey(evseId));
            return { reply: {} };
          }
          if (idTag === undefined) {
            await transactions.apply(ctx.identity, evseId, { type: 'UPDATE' });
            return { reply: {} };
          }
          const start = await ctx.session.get<PendingStart>(ctx.identity, pendingStartKey(evseId));
          await transactions.apply(ctx.identity, evseId, { type: 'AUTHORIZED', idToken: idTag });
          await ctx.session.delete(ctx.identity, pendingStartKey(evseId));
          if (!start) return { reply: {} };
          return startTransaction(ctx, idTag, start);
        }
        if (known.state !== 'started' && known.state !== 'updating') return { reply: {} };
        const id16 = known.context.transactionId16;
        if (p.eventType === 'Ended') {
          await transactions.apply(ctx.identity, evseId, { type: 'END' });
          ctx.call.data.sent = 'stop' satisfies Sent;
          if (id16 === undefined) return { reply: {} };
          return {
            action: 'StopTransaction',
            payload: compact({
              transactionId: id16,
              meterStop: registerWh(p.meterValue) ?? 0,
              timestamp: p.timestamp,
              reason: reason16Of(p.transactionInfo.stoppedReason),
              idTag,
              transactionData: meterValues16Of(p.meterValue),
            }),
          };
        }
        await transactions.apply(ctx.identity, evseId, { type: 'UPDATE' });
        // 1.6 tells charging detail by connector status (ocpp-notes §4.2).
        const status16 = p.transactionInfo.chargingState
          ? STATUS_OF_CHARGING_STATE[p.transactionInfo.chargingState]
          : undefined;
        if (status16) {
          ctx.services.emit({
            to: 'csms',
            action: 'StatusNotification',
            payload: {
              connectorId: await connectorOf(p, ctx, evseId),
              errorCode: 'NoError',
              status: status16,
              timestamp: p.timestamp,
            },
          });
        }
        const meterValue = meterValues16Of(p.meterValue);
        if (!meterValue) return { reply: {} };
        ctx.call.data.sent = 'meter' satisfies Sent;
        return {
          action: 'MeterValues',
          payload: compact({
            connectorId: await connectorOf(p, ctx, evseId),
            transactionId: id16,
            meterValue,
          }),
        };
      },
    },
    downstream: {
      [down('RemoteStartTransaction')]: async (p, ctx) => {
        const { connectors, transactions, nextRequestId } = ctx.services;
        let chargingProfile: Payload | undefined;
        if (p.chargingProfile) {
          chargingProfile = await chargingProfile2Of(p.chargingProfile, ctx, v2);
          if (!chargingProfile) return { reply: { status: 'Rejected' } };
        }
        const remoteStartId = await nextRequestId();
        const evse =
          p.connectorId !== undefined && p.connectorId > 0
            ? await connectors.toEvse(ctx.identity, p.connectorId)
            : undefined;
        if (evse) {
          await transactions.apply(ctx.identity, evse.evseId, {
            type: 'REMOTE_START',
            idToken: p.idTag,
            idTokenType: 'Central',
            remoteStartId,
          });
          ctx.call.data.evseId = evse.evseId;
        }
        return {
          action: 'RequestStartTransaction',
          payload: compact({
            evseId: evse?.evseId,
            idToken: { idToken: p.idTag, type: 'Central' },
            remoteStartId,
            chargingProfile,
          }),
        };
      },
      [down('RemoteStopTransaction')]: async (p, ctx) => {
        const found = await ctx.services.transactions.findBy16(ctx.identity, p.transactionId);
        if (!found?.context.transactionId || found.state === 'ended')
          return { reply: { status: 'Rejected' } };
        return { action: 'RequestStopTransaction', payload: { transactionId: found.context.transactionId } };
      },
    },
    responses: {
      [up('TransactionEvent')]: async (p, ctx) => {
        const sent = ctx.call.data.sent as Sent;
        if (sent === 'start') {
          const evseId = ctx.call.data.evseId as number;
          await ctx.services.transactions.apply(ctx.identity, evseId, {
            type: 'BIND_16',
            transactionId16: p.transactionId,
          });
          return { payload: { idTokenInfo: idTokenInfoOf(p.idTagInfo) } };
        }
        if (sent === 'stop' && p.idTagInfo) return { payload: { idTokenInfo: idTokenInfoOf(p.idTagInfo) } };
        return { payload: {} };
      },
      [down('RemoteStartTransaction')]: async (p, ctx) => {
        const evseId = ctx.call.data.evseId as number | undefined;
        if (p.status !== 'Accepted' && evseId !== undefined) {
          await ctx.services.transactions.apply(ctx.identity, evseId, { type: 'CANCEL' });
        }
        return { payload: { status: p.status } };
      },
      [down('RemoteStopTransaction')]: (p) => ({ payload: { status: p.status } }),
    },
  };
}
