import type { Csms } from './csms.js';

/**
 * A sensible handler set for a CSMS that has nothing better yet (the `serve` command, demos, tests):
 * accept every boot, answer heartbeats, take status and meter values, authorize every token, and
 * number 1.6 transactions. Each answer is schema-valid for its version.
 */
export function registerDefaultHandlers(csms: Csms, opts: { heartbeatIntervalS?: number } = {}): Csms {
  const interval = opts.heartbeatIntervalS ?? 300;
  let nextTransactionId = 1;
  const now = () => new Date().toISOString();

  csms.handle('BootNotification', () => ({ status: 'Accepted' as const, currentTime: now(), interval }));
  csms.handle('Heartbeat', () => ({ currentTime: now() }));
  csms.handle('StatusNotification', () => ({}));
  csms.handle('MeterValues', () => ({}));
  csms.handle('FirmwareStatusNotification', () => ({}));
  csms.handle('DiagnosticsStatusNotification', () => ({}));
  csms.handle('LogStatusNotification', () => ({}));
  csms.handle('SecurityEventNotification', () => ({}));
  csms.handle('NotifyEvent', () => ({}));
  csms.handle('NotifyReport', () => ({}));
  csms.handle('DataTransfer', () => ({ status: 'UnknownVendorId' as const }));

  // Version-agnostic registrations only: a version-specific handler would win over (shadow) one the
  // application registers later with csms.handle(action, fn).
  csms.handle('Authorize', ({ protocol }) =>
    protocol === 'ocpp1.6'
      ? { idTagInfo: { status: 'Accepted' as const } }
      : { idTokenInfo: { status: 'Accepted' as const } },
  );
  csms.handle('StartTransaction', () => ({
    transactionId: nextTransactionId++,
    idTagInfo: { status: 'Accepted' as const },
  }));
  csms.handle('StopTransaction', () => ({ idTagInfo: { status: 'Accepted' as const } }));
  csms.handle('TransactionEvent', ({ payload }) =>
    (payload as { idToken?: unknown }).idToken ? { idTokenInfo: { status: 'Accepted' as const } } : {},
  );
  return csms;
}
