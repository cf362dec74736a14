import type { TranslationContext, TranslationMap } from '../../types.js';
import {
  compact,
  connectorStatusOf,
  dataString,
  idTagInfoOf,
  idTokenOf,
  nowIso,
  type Ocpp2,
} from '../convert.js';
import { keys16 } from './keys.js';

/** 1.6 busy statuses that are a 2.x chargingState while a transaction runs. */
const CHARGING_STATE: Record<string, string> = {
  Charging: 'Charging',
  SuspendedEV: 'SuspendedEV',
  SuspendedEVSE: 'SuspendedEVSE',
};

/**
 * 2.x carries charging detail in TransactionEvent, not StatusNotification (ocpp-notes §4.2): while the
 * EVSE has a transaction open, a 1.6 Charging / SuspendedEV / SuspendedEVSE also goes to the CSMS as an
 * Updated event (ChargingStateChanged), sent after the StatusNotification's answer.
 */
async function reportChargingState(
  ctx: TranslationContext,
  evseId: number,
  status16: string,
  timestamp: string,
) {
  const chargingState = CHARGING_STATE[status16];
  if (!chargingState) return;
  const { transactions } = ctx.services;
  const open = await transactions.load(ctx.identity, evseId);
  if ((open.state !== 'started' && open.state !== 'updating') || open.context.transactionId === undefined)
    return;
  const { before } = await transactions.apply(ctx.identity, evseId, { type: 'UPDATE' });
  ctx.services.emit({
    to: 'csms',
    action: 'TransactionEvent',
    payload: {
      eventType: 'Updated',
      timestamp,
      triggerReason: 'ChargingStateChanged',
      seqNo: before.context.nextSeqNo,
      transactionInfo: { transactionId: open.context.transactionId, chargingState },
      evse: { id: evseId },
    },
  });
}

const RESET_16: Record<string, string> = { Immediate: 'Hard', OnIdle: 'Soft', ImmediateAndResume: 'Hard' };

/**
 * The 1.6 Core profile messages other than transactions and configuration, for a 1.6 station behind a
 * 2.x CSMS: boot, heartbeat, authorize, status, data transfer, clear cache, availability, reset, unlock.
 */
export function core16(v2: Ocpp2): TranslationMap {
  const { up, down } = keys16(v2);
  return {
    upstream: {
      [up('BootNotification')]: (p) => ({
        payload: {
          chargingStation: compact({
            model: p.chargePointModel,
            vendorName: p.chargePointVendor,
            serialNumber: p.chargePointSerialNumber ?? p.chargeBoxSerialNumber,
            firmwareVersion: p.firmwareVersion,
            modem:
              p.iccid !== undefined || p.imsi !== undefined
                ? compact({ iccid: p.iccid, imsi: p.imsi })
                : undefined,
          }),
          reason: 'PowerUp',
        },
      }),
      [up('Heartbeat')]: () => ({ payload: {} }),
      [up('Authorize')]: (p) => ({ payload: { idToken: idTokenOf(p.idTag) } }),
      [up('StatusNotification')]: async (p, ctx) => {
        const timestamp = p.timestamp ?? nowIso();
        if (p.connectorId === 0) {
          // The whole charge point has no 2.x StatusNotification: report its AvailabilityState (ocpp-notes §4.2).
          return {
            action: 'NotifyEvent',
            payload: {
              generatedAt: timestamp,
              seqNo: 0,
              eventData: [
                compact({
                  eventId: await ctx.services.nextRequestId(),
                  timestamp,
                  trigger: 'Delta',
                  actualValue: p.status,
                  techCode: p.errorCode === 'NoError' ? undefined : p.errorCode,
                  techInfo: p.info,
                  component: { name: 'ChargingStation' },
                  variable: { name: 'AvailabilityState' },
                  eventNotificationType: 'HardWiredNotification',
                }),
              ],
            },
          };
        }
        const { evseId, connectorId } = await ctx.services.connectors.toEvse(ctx.identity, p.connectorId);
        await reportChargingState(ctx, evseId, p.status, timestamp);
        return {
          payload: { timestamp, connectorStatus: connectorStatusOf(p.status), evseId, connectorId },
        };
      },
      [up('DataTransfer')]: (p) => ({
        payload: compact({ vendorId: p.vendorId, messageId: p.messageId, data: p.data }),
      }),
    },
    downstream: {
      [down('DataTransfer')]: (p) => ({
        payload: compact({ vendorId: p.vendorId, messageId: p.messageId, data: dataString(p.data) }),
      }),
      [down('ClearCache')]: () => ({ payload: {} }),
      [down('ChangeAvailability')]: async (p, ctx) => ({
        payload: {
          connectorId: p.evse
            ? await ctx.services.connectors.toConnector16(ctx.identity, p.evse.id, p.evse.connectorId)
            : 0,
          type: p.operationalStatus,
        },
      }),
      [down('Reset')]: (p) => {
        // 1.6 resets the whole charge point only.
        if (p.evseId !== undefined) return { reply: { status: 'Rejected' } };
        return { payload: { type: RESET_16[p.type] ?? 'Hard' } };
      },
      [down('UnlockConnector')]: async (p, ctx) => ({
        payload: {
          connectorId: await ctx.services.connectors.toConnector16(ctx.identity, p.evseId, p.connectorId),
        },
      }),
    },
    responses: {
      [up('BootNotification')]: (p) => ({
        payload: { status: p.status, currentTime: p.currentTime, interval: p.interval },
      }),
      [up('Heartbeat')]: (p) => ({ payload: { currentTime: p.currentTime } }),
      [up('Authorize')]: (p) => ({ payload: { idTagInfo: idTagInfoOf(p.idTokenInfo) } }),
      [up('StatusNotification')]: () => ({ payload: {} }),
      [up('DataTransfer')]: (p) => ({ payload: compact({ status: p.status, data: dataString(p.data) }) }),
      [down('DataTransfer')]: (p) => ({ payload: compact({ status: p.status, data: p.data }) }),
      [down('ClearCache')]: (p) => ({ payload: { status: p.status } }),
      [down('ChangeAvailability')]: (p) => ({ payload: { status: p.status } }),
      [down('Reset')]: (p) => ({ payload: { status: p.status } }),
      [down('UnlockConnector')]: (p) => ({
        payload: { status: p.status === 'Unlocked' ? 'Unlocked' : 'UnlockFailed' },
      }),
    },
  };
}
