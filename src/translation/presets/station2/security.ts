import type { Payload, TranslationContext, TranslationMap } from '../../types.js';
import { CERT_TYPE_TO_2, CERT_TYPE_TO_16, compact, type Ocpp2 } from '../convert.js';
import { keys2 } from './keys.js';

const TRIGGER_2: Record<string, string> = {
  DiagnosticsStatusNotification: 'LogStatusNotification',
  SignChargePointCertificate: 'SignChargingStationCertificate',
};

/** Remote trigger and the security whitepaper's messages for a 2.x station behind a 1.6 CSMS. */
export function security2(v2: Ocpp2): TranslationMap {
  const { up, down } = keys2(v2);
  const trigger = async (p: Payload, ctx: TranslationContext) => ({
    action: 'TriggerMessage',
    payload: compact({
      requestedMessage: TRIGGER_2[p.requestedMessage] ?? p.requestedMessage,
      evse: await ctx.services.connectors.evseOf(ctx.identity, p.connectorId),
    }),
  });
  return {
    upstream: {
      [up('SecurityEventNotification')]: (p) => ({
        payload: compact({ type: p.type, timestamp: p.timestamp, techInfo: p.techInfo }),
      }),
      [up('SignCertificate')]: (p) =>
        // 1.6 signs the charge point certificate only.
        p.certificateType !== undefined && p.certificateType !== 'ChargingStationCertificate'
          ? { reply: { status: 'Rejected' } }
          : { payload: { csr: p.csr } },
    },
    downstream: {
      [down('TriggerMessage')]: trigger,
      [down('ExtendedTriggerMessage')]: trigger,
      [down('CertificateSigned')]: (p) => ({
        payload: { certificateChain: p.certificateChain, certificateType: 'ChargingStationCertificate' },
      }),
      [down('DeleteCertificate')]: (p) => ({ payload: { certificateHashData: p.certificateHashData } }),
      [down('InstallCertificate')]: (p) => ({
        payload: { certificateType: CERT_TYPE_TO_2[p.certificateType], certificate: p.certificate },
      }),
      [down('GetInstalledCertificateIds')]: (p) => ({
        payload: { certificateType: [CERT_TYPE_TO_2[p.certificateType]] },
      }),
    },
    responses: {
      [up('SecurityEventNotification')]: () => ({ payload: {} }),
      [up('SignCertificate')]: (p) => ({ payload: { status: p.status } }),
      [down('TriggerMessage')]: (p) => ({ payload: { status: p.status } }),
      [down('ExtendedTriggerMessage')]: (p) => ({ payload: { status: p.status } }),
      [down('CertificateSigned')]: (p) => ({ payload: { status: p.status } }),
      [down('DeleteCertificate')]: (p) => ({ payload: { status: p.status } }),
      [down('InstallCertificate')]: (p) => ({ payload: { status: p.status } }),
      [down('GetInstalledCertificateIds')]: (p) => {
        const chain = ((p.certificateHashDataChain ?? []) as Payload[]).filter(
          (c) => CERT_TYPE_TO_16[c.certificateType],
        );
        return {
          payload: compact({
            status: p.status,
            certificateHashData: chain.length > 0 ? chain.map((c) => c.certificateHashData) : undefined,
          }),
        };
      },
    },
  };
}
