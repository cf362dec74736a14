import { OcppActorsError } from '../rpc/errors.js';

/** Errors of the station client. Like the runtime's, match them with `instanceof` or `.code`. */

/** The client is not connected and the call or SEND was not to be queued (`queueWhileOffline: false`). */
export class NotConnectedError extends OcppActorsError {
  override readonly name = 'NotConnectedError';
  constructor(
    readonly identity: string,
    readonly action: string,
  ) {
    super('NOT_CONNECTED', `${action} from ${identity}: not connected to the CSMS`);
  }
}

/** overflow 'reject-new': the offline queue is full, so this call was not queued. */
export class OfflineQueueFullError extends OcppActorsError {
  override readonly name = 'OfflineQueueFullError';
  constructor(
    readonly identity: string,
    readonly action: string,
    readonly limit: number,
  ) {
    super('OFFLINE_QUEUE_FULL', `${action} from ${identity}: the offline queue already holds ${limit} calls`);
  }
}

/** overflow 'drop-oldest': this call was queued, then dropped to make room (an `offlineDropped` event says so too). */
export class OfflineCallDroppedError extends OcppActorsError {
  override readonly name = 'OfflineCallDroppedError';
  constructor(
    readonly identity: string,
    readonly action: string,
    readonly messageId: string,
  ) {
    super(
      'OFFLINE_CALL_DROPPED',
      `${action} (${messageId}) from ${identity}: dropped from a full offline queue`,
    );
  }
}

/**
 * The call's `signal` aborted. `sent: false`: it was still queued and is never sent. `sent: true`: it
 * was already on the wire (the CSMS may act on it); its answer is no longer awaited.
 */
export class CallAbortedError extends OcppActorsError {
  override readonly name = 'CallAbortedError';
  constructor(
    readonly identity: string,
    readonly action: string,
    readonly messageId: string,
    readonly sent: boolean,
    /** The signal's reason. */
    override readonly cause: unknown,
  ) {
    super(
      'CALL_ABORTED',
      `${action} (${messageId}) from ${identity}: aborted ${sent ? 'after it was sent' : 'before it was sent'}`,
    );
  }
}

/** `close()` was called: the connect() or the call it was waiting for will not happen. */
export class StationClosedError extends OcppActorsError {
  override readonly name = 'StationClosedError';
  constructor(
    readonly identity: string,
    readonly action?: string,
  ) {
    super('STATION_CLOSED', `${action ?? 'connect'} from ${identity}: the station client was closed`);
  }
}

/** One connection attempt failed; the client retries (see the `connectFailed` event). */
export class ConnectError extends OcppActorsError {
  override readonly name = 'ConnectError';
  constructor(
    readonly url: string,
    /** The HTTP status of a refused upgrade (401, 404, …), when there was one. */
    readonly status: number | undefined,
    override readonly cause: Error,
  ) {
    super('CONNECT_FAILED', `Could not connect to ${url}: ${cause.message}`);
  }
}
