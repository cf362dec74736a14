import type { TranslationMap } from '../../types.js';
import { compact, type Ocpp2 } from '../convert.js';
import { keys16 } from './keys.js';

/** 2.x requestedMessage -> what a 1.6 station is asked for (and the upstream mapping turns back). */
const TRIGGER_16: Record<string, string> = {
  BootNotification: 'BootNotification',
  FirmwareStatusNotification: 'FirmwareStatusNotification',
  Heartbeat: 'Heartbeat',
  MeterValues: 'MeterValues',
  StatusNotification: 'StatusNotification',
  // The station answers with DiagnosticsStatusNotification, forwarded as LogStatusNotification.
  LogStatusNotification: 'DiagnosticsStatusNotification',
  // A running transaction's readings come as MeterValues, forwarded as TransactionEvent Updated.
  TransactionEvent: 'MeterValues',
};

/**
 * TriggerMessage for a 1.6 station behind a 2.x CSMS; SignChargingStationCertificate goes to the
 * whitepaper's ExtendedTriggerMessage. Messages 1.6 cannot send are answered NotImplemented here.
 */
export function remoteTrigger16(v2: Ocpp2): TranslationMap {
  const { down } = keys16(v2);
  return {
    downstream: {
      [down('TriggerMessage')]: async (p, ctx) => {
        const connectorId =
          p.evse === undefined
            ? undefined
            : await ctx.services.connectors.toConnector16(ctx.identity, p.evse.id, p.evse.connectorId);
        if (p.requestedMessage === 'SignChargingStationCertificate') {
          return {
            action: 'ExtendedTriggerMessage',
            payload: compact({ requestedMessage: 'SignChargePointCertificate', connectorId }),
          };
        }
        const requestedMessage = TRIGGER_16[p.requestedMessage];
        if (!requestedMessage) return { reply: { status: 'NotImplemented' } };
        return { payload: compact({ requestedMessage, connectorId }) };
      },
    },
    responses: {
      [down('TriggerMessage')]: (p) => ({ payload: { status: p.status } }),
    },
  };
}
