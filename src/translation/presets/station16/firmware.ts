import type { TranslationMap } from '../../types.js';
import { compact, type Ocpp2 } from '../convert.js';
import { keys16 } from './keys.js';

/** The requestId of the last firmware update / log upload, for the station's status notifications. */
const FIRMWARE_REQUEST = 'firmware/requestId';
const LOG_REQUEST = 'log/requestId';

const DIAGNOSTICS_TO_LOG: Record<string, string> = {
  Idle: 'Idle',
  Uploaded: 'Uploaded',
  UploadFailed: 'UploadFailure',
  Uploading: 'Uploading',
};

/**
 * Firmware Management for a 1.6 station behind a 2.x CSMS. UpdateFirmware with a signature goes to the
 * whitepaper's SignedUpdateFirmware, without to the 1.6 UpdateFirmware; GetLog(DiagnosticsLog) goes to
 * GetDiagnostics (every 1.6 station has it), GetLog(SecurityLog) to the whitepaper's GetLog.
 */
export function firmware16(v2: Ocpp2): TranslationMap {
  const { up, down } = keys16(v2);
  return {
    upstream: {
      [up('FirmwareStatusNotification')]: async (p, ctx) => ({
        payload: compact({
          status: p.status,
          requestId: await ctx.session.get<number>(ctx.identity, FIRMWARE_REQUEST),
        }),
      }),
      [up('DiagnosticsStatusNotification')]: async (p, ctx) => ({
        action: 'LogStatusNotification',
        payload: compact({
          status: DIAGNOSTICS_TO_LOG[p.status],
          requestId: await ctx.session.get<number>(ctx.identity, LOG_REQUEST),
        }),
      }),
    },
    downstream: {
      [down('UpdateFirmware')]: async (p, ctx) => {
        const f = p.firmware;
        await ctx.session.set(ctx.identity, FIRMWARE_REQUEST, p.requestId);
        if (f.signature !== undefined || f.signingCertificate !== undefined) {
          if (f.signature === undefined || f.signingCertificate === undefined) {
            return { reply: { status: 'Rejected', statusInfo: { reasonCode: 'MissingParam' } } };
          }
          ctx.call.data.signed = true;
          return { action: 'SignedUpdateFirmware', payload: p };
        }
        if (!URL.canParse(f.location))
          return { reply: { status: 'Rejected', statusInfo: { reasonCode: 'InvalidURL' } } };
        return {
          payload: compact({
            location: f.location,
            retrieveDate: f.retrieveDateTime,
            retries: p.retries,
            retryInterval: p.retryInterval,
          }),
        };
      },
      [down('GetLog')]: async (p, ctx) => {
        await ctx.session.set(ctx.identity, LOG_REQUEST, p.requestId);
        if (p.logType === 'SecurityLog') {
          ctx.call.data.native = true;
          return { payload: p };
        }
        if (p.logType !== 'DiagnosticsLog') return { reply: { status: 'Rejected' } };
        if (!URL.canParse(p.log.remoteLocation))
          return { reply: { status: 'Rejected', statusInfo: { reasonCode: 'InvalidURL' } } };
        return {
          action: 'GetDiagnostics',
          payload: compact({
            location: p.log.remoteLocation,
            retries: p.retries,
            retryInterval: p.retryInterval,
            startTime: p.log.oldestTimestamp,
            stopTime: p.log.latestTimestamp,
          }),
        };
      },
    },
    responses: {
      [up('FirmwareStatusNotification')]: () => ({ payload: {} }),
      [up('DiagnosticsStatusNotification')]: () => ({ payload: {} }),
      // 1.6 UpdateFirmware.conf is empty: the station took the order.
      [down('UpdateFirmware')]: (p, ctx) => ({
        payload: { status: ctx.call.data.signed ? p.status : 'Accepted' },
      }),
      [down('GetLog')]: (p, ctx) =>
        ctx.call.data.native
          ? { payload: compact({ status: p.status, filename: p.filename }) }
          : { payload: compact({ status: 'Accepted', filename: p.fileName }) },
    },
  };
}
