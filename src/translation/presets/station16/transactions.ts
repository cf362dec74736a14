import type { TranslationContext, TranslationMap } from '../../types.js';
import {
  compact,
  endTriggerOf,
  idTagInfoOf,
  idTagOf,
  idTokenOf,
  meterValues2Of,
  type Ocpp2,
  registerReading,
  stoppedReasonOf,
} from '../convert.js';
import { chargingProfile16Of } from '../profiles.js';
import { keys16 } from './keys.js';

/** A remote start the CSMS addressed to no EVSE: the station picks the connector, so it waits at station level. */
const STATION_REMOTE_START = 'tx/remoteStart';

interface StationRemoteStart {
  idTag: string;
  idTokenType: string;
  remoteStartId: number;
}

/**
 * A 1.6 station's transactions behind a 2.x CSMS: StartTransaction / StopTransaction / MeterValues become
 * TransactionEvent Started / Ended / Updated with a string id the proxy mints, and the station gets a
 * store-unique integer in return; RequestStart/StopTransaction become RemoteStart/StopTransaction.
 */
export function transactions16(v2: Ocpp2): TranslationMap {
  const { up, down } = keys16(v2);
  return {
    upstream: {
      [up('StartTransaction')]: async (p, ctx) => {
        const { connectors, transactions, uuid } = ctx.services;
        const evse = await connectors.toEvse(ctx.identity, p.connectorId);
        const stationWide = await takeStationRemoteStart(ctx, p.idTag);
        if (stationWide) {
          await transactions.apply(ctx.identity, evse.evseId, {
            type: 'REMOTE_START',
            idToken: stationWide.idTag,
            idTokenType: stationWide.idTokenType,
            remoteStartId: stationWide.remoteStartId,
          });
        }
        const transactionId16 = await transactions.mint16();
        const transactionId = uuid();
        const { before, after } = await transactions.apply(ctx.identity, evse.evseId, {
          type: 'START',
          transactionId,
          transactionId16,
          idToken: p.idTag,
        });
        ctx.call.data.transactionId16 = transactionId16;
        const remote = before.state === 'authorizing' && before.context.idToken === p.idTag;
        return {
          action: 'TransactionEvent',
          payload: compact({
            eventType: 'Started',
            timestamp: p.timestamp,
            triggerReason: remote ? 'RemoteStart' : 'Authorized',
            seqNo: 0,
            transactionInfo: compact({
              transactionId,
              remoteStartId: remote ? after.context.remoteStartId : undefined,
            }),
            idToken: idTokenOf(p.idTag, remote ? (before.context.idTokenType ?? 'Central') : undefined),
            evse: { id: evse.evseId, connectorId: evse.connectorId },
            // 2.1 reservation ids are >= 0; a negative 1.6 id names no 2.1 reservation.
            reservationId: v2 === 'ocpp2.1' && p.reservationId < 0 ? undefined : p.reservationId,
            meterValue: [registerReading(p.timestamp, p.meterStart, 'Transaction.Begin')],
          }),
        };
      },
      [up('StopTransaction')]: async (p, ctx) => {
        const { transactions, uuid } = ctx.services;
        const found = await transactions.findBy16(ctx.identity, p.transactionId);
        let transactionId: string;
        let seqNo = 0;
        let evse: unknown;
        if (found?.context.transactionId !== undefined) {
          const { before } = await transactions.apply(ctx.identity, found.context.evseId, { type: 'END' });
          transactionId = found.context.transactionId;
          seqNo = before.context.nextSeqNo;
          evse = { id: found.context.evseId };
        } else {
          // A stop for a transaction the store never saw (a store wiped by hand): still deliver the
          // readings, under a fresh id, rather than drop what the station reports.
          transactionId = uuid();
        }
        const readings = meterValues2Of(p.transactionData, v2) ?? [];
        readings.push(registerReading(p.timestamp, p.meterStop, 'Transaction.End'));
        return {
          action: 'TransactionEvent',
          payload: compact({
            eventType: 'Ended',
            timestamp: p.timestamp,
            triggerReason: endTriggerOf(p.reason),
            seqNo,
            transactionInfo: { transactionId, stoppedReason: stoppedReasonOf(p.reason) },
            idToken: p.idTag !== undefined ? idTokenOf(p.idTag) : undefined,
            evse,
            meterValue: readings,
          }),
        };
      },
      [up('MeterValues')]: async (p, ctx) => {
        const { connectors, transactions } = ctx.services;
        const meterValue = meterValues2Of(p.meterValue, v2);
        // Only Temperature/RPM or non-numeric raw readings: nothing 2.x can carry.
        if (!meterValue) return { reply: {} };
        const found =
          p.transactionId !== undefined
            ? await transactions.findBy16(ctx.identity, p.transactionId)
            : undefined;
        if (
          found?.context.transactionId !== undefined &&
          (found.state === 'started' || found.state === 'updating')
        ) {
          const { before } = await transactions.apply(ctx.identity, found.context.evseId, { type: 'UPDATE' });
          const evse = p.connectorId > 0 ? await connectors.toEvse(ctx.identity, p.connectorId) : undefined;
          return {
            action: 'TransactionEvent',
            payload: {
              eventType: 'Updated',
              timestamp: meterValue[0].timestamp,
              triggerReason: 'MeterValuePeriodic',
              seqNo: before.context.nextSeqNo,
              transactionInfo: { transactionId: found.context.transactionId },
              evse: evse ? { id: evse.evseId, connectorId: evse.connectorId } : { id: found.context.evseId },
              meterValue,
            },
          };
        }
        const evseId =
          p.connectorId === 0 ? 0 : (await connectors.toEvse(ctx.identity, p.connectorId)).evseId;

        return { action: 'MeterValues', payload: { evseId, meterValue } };
      },
    },
    downstream: {
      [down('RequestStartTransaction')]: async (p, ctx) => {
        const idTag = idTagOf(p.idToken);
        if (idTag === undefined) return { reply: { status: 'Rejected' } };
        let chargingProfile: unknown;
        if (p.chargingProfile) {
          chargingProfile = await chargingProfile16Of(p.chargingProfile, ctx);
          if (!chargingProfile) return { reply: { status: 'Rejected' } };
        }
        const { connectors, transactions } = ctx.services;
        if (p.evseId !== undefined && p.evseId > 0) {
          await transactions.apply(ctx.identity, p.evseId, {
            type: 'REMOTE_START',
            idToken: idTag,
            idTokenType: p.idToken.type,
            remoteStartId: p.remoteStartId,
          });
          ctx.call.data.evseId = p.evseId;
        } else {
          const pending: StationRemoteStart = {
            idTag,
            idTokenType: p.idToken.type,
            remoteStartId: p.remoteStartId,
          };
          await ctx.session.set(ctx.identity, STATION_REMOTE_START, pending);
        }
        const connectorId =
          p.evseId !== undefined && p.evseId > 0
            ? await connectors.toConnector16(ctx.identity, p.evseId)
            : undefined;
        return {
          action: 'RemoteStartTransaction',
          payload: compact({ connectorId, idTag, chargingProfile }),
        };
      },
      [down('RequestStopTransaction')]: async (p, ctx) => {
        const found = await ctx.services.transactions.findById(ctx.identity, p.transactionId);
        const id16 = found?.context.transactionId16;
        if (id16 === undefined || found?.state === 'ended') return { reply: { status: 'Rejected' } };
        return { action: 'RemoteStopTransaction', payload: { transactionId: id16 } };
      },
    },
    responses: {
      [up('StartTransaction')]: (p, ctx) => ({
        payload: { transactionId: ctx.call.data.transactionId16, idTagInfo: idTagInfoOf(p.idTokenInfo) },
      }),
      [up('StopTransaction')]: (p) => ({
        payload: compact({ idTagInfo: p.idTokenInfo ? idTagInfoOf(p.idTokenInfo) : undefined }),
      }),
      [up('MeterValues')]: () => ({ payload: {} }),
      [down('RequestStartTransaction')]: async (p, ctx) => {
        if (p.status !== 'Accepted') {
          const evseId = ctx.call.data.evseId as number | undefined;
          if (evseId !== undefined)
            await ctx.services.transactions.apply(ctx.identity, evseId, { type: 'CANCEL' });
          else await ctx.session.delete(ctx.identity, STATION_REMOTE_START);
        }
        return { payload: { status: p.status } };
      },
      [down('RequestStopTransaction')]: (p) => ({ payload: { status: p.status } }),
    },
  };
}

async function takeStationRemoteStart(
  ctx: TranslationContext,
  idTag: string,
): Promise<StationRemoteStart | undefined> {
  const pending = await ctx.session.get<StationRemoteStart>(ctx.identity, STATION_REMOTE_START);
  if (!pending || pending.idTag !== idTag) return undefined;
  await ctx.session.delete(ctx.identity, STATION_REMOTE_START);
  return pending;
}
