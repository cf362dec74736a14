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

  csms.handle('ocpp1.6', 'Authorize', () => ({ idTagInfo: { status: 'Accepted' as const } }));
  csms.handle('ocpp2.0.1', 'Authorize', () => ({ idTokenInfo: { status: 'Accepted' as const } }));
  csms.handle('ocpp2.1', 'Authorize', () => ({ idTokenInfo: { status: 'Accepted' as const } }));

  csms.handle('ocpp1.6', 'StartTransaction', () => ({
    transactionId: nextTransactionId++,
    idTagInfo: { status: 'Accepted' as const },
  }));
  csms.handle('ocpp1.6', 'StopTransaction', () => ({ idTagInfo: { status: 'Accepted' as const } }));
  csms.handle('TransactionEvent', ({ payload }) =>
    (payload as { idToken?: unknown }).idToken ? { idTokenInfo: { status: 'Accepted' as const } } : {},
  );
  return csms;
}
