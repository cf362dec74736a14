/**
 * The charging-station side of OCPP-J: `createStation({ url, identity, … })`.
 *
 * Connecting. `connect()` starts the first attempt and resolves when a connection is open. Every failed
 * attempt, the very first included, is retried after RetryBackOffWaitMinimum doubled per failure (at most
 * RetryBackOffRepeatTimes times) plus random ≤ RetryBackOffRandomRange (2.0.1/2.1 §5.3), and reported as a
 * `connectFailed` event (attempt, delay, error, HTTP status). A lost connection is re-opened the same way
 * (`disconnected`, then `reconnecting`). Only `close()` stops it. A reconnect does not send a
 * BootNotification (2.x §5.4); `registration` keeps the CSMS's last answer to the app's own.
 *
 * Calls. One CALL in flight (2.x §4.1.1 SHALL NOT); the rest wait in order. Order of sending: the call
 * interrupted by a drop, then the offline backlog, then calls made while connected.
 * - While connected, at most `maxQueuedCalls` wait (else CallQueueFullError).
 * - While disconnected, calls go to the offline queue (`queueWhileOffline`, default true): at most
 *   `offlineQueue.max`; when full, 'drop-oldest' (default) drops the oldest, emits `offlineDropped` and
 *   rejects it with OfflineCallDroppedError; 'reject-new' rejects the new call with OfflineQueueFullError.
 *   The queue flushes in order after reconnecting, each call sent once the previous one was answered.
 * - A call in flight when the connection drops is sent again first, with the same message id (2.1 §4.1.4
 *   allows a retried message to keep its id; in 1.6/2.0.1 ids are unique per connection): at-least-once.
 *   Calls not yet sent are delivered exactly once. Calls that may not wait offline reject with
 *   StationDisconnectedError. A call that times out is not retried (CallTimeoutError).
 * - With several versions offered, a call made before the first connection is validated when that
 *   connection has negotiated its version; after that, when it is made (strict mode).
 * - SEND (2.1, type 6) goes out at once, even with a CALL in flight, and is not queued offline unless
 *   asked to (`queueWhileOffline: true`).
 */

export {
  type ClientConnectionState,
  DEFAULT_RETRY_BACK_OFF,
  type RetryBackOff,
  retryBackOffMs,
} from '../machines/client-connection.js';
export type { OverflowPolicy } from './call-queue.js';
export * from './errors.js';
export type { StationClientEvents, StationEventMap, StationEventName } from './events.js';
export type { StationOptions, StationTlsOptions } from './options.js';
export type { ClientCallOptions } from './outbox.js';
export {
  createStation,
  type RequestIn,
  type ResponseIn,
  type SendableIn,
  Station,
  type StationState,
} from './station.js';
