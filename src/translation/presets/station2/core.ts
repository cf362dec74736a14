import type { TranslationMap } from '../../types.js';
import {
  chargePointStatusOf,
  compact,
  dataString,
  idTagOf,
  idTokenInfoOf,
  meterValues16Of,
  type Ocpp2,
} from '../convert.js';
import { keys2 } from './keys.js';

const RESET_2: Record<string, string> = { Hard: 'Immediate', Soft: 'OnIdle' };
const UNLOCK_16: Record<string, string> = {
  Unlocked: 'Unlocked',
  UnlockFailed: 'UnlockFailed',
  OngoingAuthorizedTransaction: 'UnlockFailed',
  UnknownConnector: 'NotSupported',
};

/** 1.6 limits vendor and model to 20 characters; 2.x allows a 50-character vendor. Cut, not refuse a boot. */
const cut20 = (s: string) => [...s].slice(0, 20).join('');

/**
 * Core messages other than transactions and configuration, for a 2.x station behind a 1.6 CSMS.
 * Station-level notifications 1.6 has no word for (NotifyEvent) are acknowledged here.
 */
export function core2(v2: Ocpp2): TranslationMap {
  const { up, down } = keys2(v2);
  return {
    upstream: {
      [up('BootNotification')]: (p) => {
        const cs = p.chargingStation;
        return {
          payload: compact({
            chargePointVendor: cut20(cs.vendorName),
            chargePointModel: cs.model,
            chargePointSerialNumber: cs.serialNumber,
            firmwareVersion: cs.firmwareVersion,
            iccid: cs.modem?.iccid,
            imsi: cs.modem?.imsi,
          }),
        };
      },
      [up('Heartbeat')]: () => ({ payload: {} }),
      [up('Authorize')]: (p) => {
        const idTag = idTagOf(p.idToken);
        // Longer than 1.6's 20 characters: the 1.6 CSMS cannot know this token.
        if (idTag === undefined) return { reply: { idTokenInfo: { status: 'Unknown' } } };
        return { payload: { idTag } };
      },
      [up('StatusNotification')]: async (p, ctx) => {
        const connectorId =
          p.evseId === 0
            ? 0
            : await ctx.services.connectors.toConnector16(ctx.identity, p.evseId, p.connectorId);
        const tx = p.evseId > 0 ? await ctx.services.transactions.load(ctx.identity, p.evseId) : undefined;
        const state =
          tx?.state === 'started' || tx?.state === 'updating'
            ? 'active'
            : tx?.state === 'ended'
              ? 'ended'
              : 'none';
        return {
          payload: {
            connectorId,
            errorCode: p.connectorStatus === 'Faulted' ? 'OtherError' : 'NoError',
            status: chargePointStatusOf(p.connectorStatus, state),
            timestamp: p.timestamp,
          },
        };
      },
      [up('MeterValues')]: async (p, ctx) => {
        const meterValue = meterValues16Of(p.meterValue);
        if (!meterValue) return { reply: {} };
        const connectorId =
          p.evseId === 0 ? 0 : await ctx.services.connectors.toConnector16(ctx.identity, p.evseId);
        return { payload: { connectorId, meterValue } };
      },
      [up('DataTransfer')]: (p) => ({
        payload: compact({ vendorId: p.vendorId, messageId: p.messageId, data: dataString(p.data) }),
      }),
      // Events and monitoring have no 1.6 counterpart; acknowledging keeps the station from retrying.
      [up('NotifyEvent')]: () => ({ reply: {} }),
    },
    downstream: {
      [down('DataTransfer')]: (p) => ({
        payload: compact({ vendorId: p.vendorId, messageId: p.messageId, data: p.data }),
      }),
      [down('ClearCache')]: () => ({ payload: {} }),
      [down('ChangeAvailability')]: async (p, ctx) => ({
        payload: compact({
          operationalStatus: p.type,
          evse: await ctx.services.connectors.evseOf(ctx.identity, p.connectorId),
        }),
      }),
      [down('Reset')]: (p) => ({ payload: { type: RESET_2[p.type] } }),
      [down('UnlockConnector')]: async (p, ctx) => {
        const evse = await ctx.services.connectors.toEvse(ctx.identity, p.connectorId);
        return { payload: { evseId: evse.evseId, connectorId: evse.connectorId } };
      },
    },
    responses: {
      [up('BootNotification')]: (p) => ({
        payload: { currentTime: p.currentTime, interval: p.interval, status: p.status },
      }),
      [up('Heartbeat')]: (p) => ({ payload: { currentTime: p.currentTime } }),
      [up('Authorize')]: (p) => ({ payload: { idTokenInfo: idTokenInfoOf(p.idTagInfo) } }),
      [up('StatusNotification')]: () => ({ payload: {} }),
      [up('MeterValues')]: () => ({ payload: {} }),
      [up('DataTransfer')]: (p) => ({ payload: compact({ status: p.status, data: p.data }) }),
      [down('DataTransfer')]: (p) => ({ payload: compact({ status: p.status, data: dataString(p.data) }) }),
      [down('ClearCache')]: (p) => ({ payload: { status: p.status } }),
      [down('ChangeAvailability')]: (p) => ({ payload: { status: p.status } }),
      // 1.6 has no Scheduled reset: the station will reset, later.
      [down('Reset')]: (p) => ({ payload: { status: p.status === 'Rejected' ? 'Rejected' : 'Accepted' } }),
      [down('UnlockConnector')]: (p) => ({ payload: { status: UNLOCK_16[p.status] ?? 'UnlockFailed' } }),
    },
  };
}
