import type { Payload, TranslationMap } from '../../types.js';
import { CERT_TYPE_TO_2, CERT_TYPE_TO_16, compact, type Ocpp2 } from '../convert.js';
import { keys16 } from './keys.js';

/**
 * The 1.6 security whitepaper's messages behind a 2.x CSMS (native in 2.x under nearly the same names).
 * ExtendedTriggerMessage, GetLog and SignedUpdateFirmware are reached through TriggerMessage, GetLog and
 * UpdateFirmware (remote-trigger and firmware presets); SignedFirmwareStatusNotification becomes
 * FirmwareStatusNotification. 1.6 knows only the CSMS and manufacturer roots; V2G/MO roots are answered here.
 */
export function security16(v2: Ocpp2): TranslationMap {
  const { up, down } = keys16(v2);
  return {
    upstream: {
      [up('SecurityEventNotification')]: (p) => ({
        payload: compact({ type: p.type, timestamp: p.timestamp, techInfo: p.techInfo }),
      }),
      [up('SignCertificate')]: (p) => ({ payload: { csr: p.csr } }),
      [up('LogStatusNotification')]: (p) => ({
        payload: compact({ status: p.status, requestId: p.requestId }),
      }),
      [up('SignedFirmwareStatusNotification')]: (p) => ({
        action: 'FirmwareStatusNotification',
        payload: compact({ status: p.status, requestId: p.requestId }),
      }),
    },
    downstream: {
      [down('CertificateSigned')]: (p) => ({ payload: { certificateChain: p.certificateChain } }),
      [down('DeleteCertificate')]: (p) => ({ payload: { certificateHashData: p.certificateHashData } }),
      [down('InstallCertificate')]: (p) => {
        const certificateType = CERT_TYPE_TO_16[p.certificateType];
        if (!certificateType)
          return { reply: { status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedCertType' } } };
        return { payload: { certificateType, certificate: p.certificate } };
      },
      [down('GetInstalledCertificateIds')]: (p, ctx) => {
        const asked = (p.certificateType as string[] | undefined) ?? ['CSMSRootCertificate'];
        const certificateType = asked.map((t) => CERT_TYPE_TO_16[t]).find((t) => t !== undefined);
        // 1.6 asks for one type per call; a request for several 1.6 types gets the first.
        if (!certificateType) return { reply: { status: 'NotFound' } };
        ctx.call.data.certificateType = certificateType;
        return { payload: { certificateType } };
      },
    },
    responses: {
      [up('SecurityEventNotification')]: () => ({ payload: {} }),
      [up('SignCertificate')]: (p) => ({ payload: { status: p.status } }),
      [up('LogStatusNotification')]: () => ({ payload: {} }),
      [up('SignedFirmwareStatusNotification')]: () => ({ payload: {} }),
      [down('CertificateSigned')]: (p) => ({ payload: { status: p.status } }),
      [down('DeleteCertificate')]: (p) => ({ payload: { status: p.status } }),
      [down('InstallCertificate')]: (p) => ({ payload: { status: p.status } }),
      [down('GetInstalledCertificateIds')]: (p, ctx) => {
        const certificateType = CERT_TYPE_TO_2[ctx.call.data.certificateType as string];
        const hashes = (p.certificateHashData ?? []) as Payload[];
        return {
          payload: compact({
            status: p.status,
            certificateHashDataChain:
              hashes.length > 0
                ? hashes.map((certificateHashData) => ({ certificateType, certificateHashData }))
                : undefined,
          }),
        };
      },
    },
  };
}
