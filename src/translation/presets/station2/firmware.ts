import type { TranslationMap } from '../../types.js';
import { compact, type Ocpp2, retriesOf } from '../convert.js';
import { keys2 } from './keys.js';

/** Whether the CSMS's last log request was 1.6 GetDiagnostics (the station's status then goes as DiagnosticsStatusNotification). */
const LOG_VIA_DIAGNOSTICS = 'log/viaDiagnostics';
/** Whether the CSMS's last firmware update was the whitepaper's SignedUpdateFirmware. */
const FIRMWARE_SIGNED = 'firmware/signed';

const FIRMWARE_16 = new Set([
  'Downloaded',
  'DownloadFailed',
  'Downloading',
  'Idle',
  'InstallationFailed',
  'Installing',
  'Installed',
]);
const SIGNED_FIRMWARE_16 = new Set([
  ...FIRMWARE_16,
  'DownloadScheduled',
  'DownloadPaused',
  'InstallRebooting',
  'InstallScheduled',
  'InstallVerificationFailed',
  'InvalidSignature',
  'SignatureVerified',
]);
const DIAGNOSTICS_16: Record<string, string> = {
  Idle: 'Idle',
  Uploaded: 'Uploaded',
  Uploading: 'Uploading',
  AcceptedCanceled: 'Idle',
};
const LOG_16 = new Set([
  'BadMessage',
  'Idle',
  'NotSupportedOperation',
  'PermissionDenied',
  'Uploaded',
  'UploadFailure',
  'Uploading',
]);

/** Firmware and diagnostics for a 2.x station behind a 1.6 CSMS (with the whitepaper's signed variants). */
export function firmware2(v2: Ocpp2): TranslationMap {
  const { up, down } = keys2(v2);
  return {
    upstream: {
      [up('FirmwareStatusNotification')]: async (p, ctx) => {
        const signed = await ctx.session.get<boolean>(ctx.identity, FIRMWARE_SIGNED);
        if (!signed && FIRMWARE_16.has(p.status)) return { payload: { status: p.status } };
        if (!SIGNED_FIRMWARE_16.has(p.status)) return { reply: {} };
        return {
          action: 'SignedFirmwareStatusNotification',
          payload: compact({ status: p.status, requestId: p.requestId }),
        };
      },
      [up('LogStatusNotification')]: async (p, ctx) => {
        if (await ctx.session.get<boolean>(ctx.identity, LOG_VIA_DIAGNOSTICS)) {
          return {
            action: 'DiagnosticsStatusNotification',
            payload: { status: DIAGNOSTICS_16[p.status] ?? 'UploadFailed' },
          };
        }
        return {
          payload: compact({ status: LOG_16.has(p.status) ? p.status : 'Idle', requestId: p.requestId }),
        };
      },
    },
    downstream: {
      [down('UpdateFirmware')]: async (p, ctx) => {
        await ctx.session.set(ctx.identity, FIRMWARE_SIGNED, false);
        return {
          payload: compact({
            ...retriesOf(p),
            requestId: await ctx.services.nextRequestId(),
            firmware: { location: p.location, retrieveDateTime: p.retrieveDate },
          }),
        };
      },
      [down('SignedUpdateFirmware')]: async (p, ctx) => {
        await ctx.session.set(ctx.identity, FIRMWARE_SIGNED, true);
        return { action: 'UpdateFirmware', payload: withRetries(p) };
      },
      [down('GetDiagnostics')]: async (p, ctx) => {
        // 2.x remote locations are at most 512 characters; 1.6 URIs are unbounded.
        if (p.location.length > 512) return { reply: {} };
        await ctx.session.set(ctx.identity, LOG_VIA_DIAGNOSTICS, true);
        return {
          action: 'GetLog',
          payload: compact({
            logType: 'DiagnosticsLog',
            requestId: await ctx.services.nextRequestId(),
            ...retriesOf(p),
            log: compact({
              remoteLocation: p.location,
              oldestTimestamp: p.startTime,
              latestTimestamp: p.stopTime,
            }),
          }),
        };
      },
      [down('GetLog')]: async (p, ctx) => {
        await ctx.session.set(ctx.identity, LOG_VIA_DIAGNOSTICS, false);
        return { payload: withRetries(p) };
      },
    },
    responses: {
      [up('FirmwareStatusNotification')]: () => ({ payload: {} }),
      [up('LogStatusNotification')]: () => ({ payload: {} }),
      [down('UpdateFirmware')]: () => ({ payload: {} }),
      [down('SignedUpdateFirmware')]: (p) => ({ payload: { status: p.status } }),
      [down('GetDiagnostics')]: (p) => ({
        payload: compact({ fileName: p.status === 'Rejected' ? undefined : p.filename }),
      }),
      [down('GetLog')]: (p) => ({ payload: compact({ status: p.status, filename: p.filename }) }),
    },
  };
}

/** The payload with its retry fields as 2.x accepts them. */
function withRetries<T extends { retries?: number; retryInterval?: number }>(p: T): T {
  const { retries: _r, retryInterval: _i, ...rest } = p;
  return { ...rest, ...retriesOf(p) } as T;
}
