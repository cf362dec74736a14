import type { LinkEventMap } from '../hooks/types.js';
import type { Payload } from '../protocol/frames.js';
import type { OverflowPolicy } from './call-queue.js';
import type { ConnectError } from './errors.js';

/** Events only a station client has; they never go through plugin hooks. */
export interface StationClientEvents {
  /**
   * A connection attempt failed and the next one is due in `delayMs`. Emitted for every failure, the
   * very first connect included: the client never gives up, and never silently.
   */
  connectFailed: {
    readonly identity: string;
    /** Failed attempts in a row, this one included (1-based); reset when a connection opens. */
    readonly attempt: number;
    readonly delayMs: number;
    readonly error: ConnectError;
    /** The HTTP status of a refused upgrade (401 bad password, 404 unknown identity, …). */
    readonly status: number | undefined;
  };
  /** An open connection was lost (a `disconnected` event came first); the first retry is due in `delayMs`. */
  reconnecting: { readonly identity: string; readonly delayMs: number };
  /** A queued call was dropped from the full offline queue; its promise rejected with OfflineCallDroppedError. */
  offlineDropped: {
    readonly identity: string;
    readonly action: string;
    readonly messageId: string;
    readonly payload: Payload;
    readonly policy: OverflowPolicy;
  };
}

/**
 * Every event a station client emits: a link's life and its RPC traffic, shaped as on the CSMS side
 * (plugin hooks see those too), and its own. The station's own dispatcher carries them, with the
 * dispatcher's contract: listeners run synchronously in order; one that throws is isolated and
 * reported as `pluginError`.
 */
export interface StationEventMap extends LinkEventMap, StationClientEvents {}
export type StationEventName = keyof StationEventMap;
