import type { Dispatcher } from '../hooks/dispatcher.js';
import type { CsmsEventMap } from '../hooks/types.js';
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

/** Runtime events a station client emits, shaped as on the CSMS side (plugin hooks see these too). */
export type SharedEventName =
  | 'connected'
  | 'disconnected'
  | 'registered'
  | 'message'
  | 'badMessage'
  | 'validationFailure'
  | 'handlerError'
  | 'callRefused'
  | 'unknownResponse'
  | 'callResultError'
  | 'transportError'
  | 'backpressure'
  | 'pongTimeout'
  | 'pluginError';

export type StationEventMap = Pick<CsmsEventMap, SharedEventName> & StationClientEvents;
export type StationEventName = keyof StationEventMap;

const CLIENT_ONLY: ReadonlySet<string> = new Set<keyof StationClientEvents>([
  'connectFailed',
  'reconnecting',
  'offlineDropped',
]);

type Listener<K extends keyof StationClientEvents> = (event: StationClientEvents[K]) => void;

/**
 * Client-only events next to the shared dispatcher, with the dispatcher's contract: listeners run
 * synchronously in order, and one that throws is isolated and reported as `pluginError`.
 */
export class ClientEvents {
  private readonly listeners = new Map<string, ((event: never) => void)[]>();

  constructor(private readonly dispatcher: Dispatcher) {}

  on<K extends StationEventName>(name: K, listener: (event: StationEventMap[K]) => void): () => void {
    if (!CLIENT_ONLY.has(name)) {
      return this.dispatcher.on(
        name as SharedEventName,
        listener as (e: CsmsEventMap[SharedEventName]) => void,
      );
    }
    let list = this.listeners.get(name);
    if (!list) {
      list = [];
      this.listeners.set(name, list);
    }
    const l = listener as (event: never) => void;
    list.push(l);
    return () => {
      const i = list.indexOf(l);
      if (i !== -1) list.splice(i, 1);
    };
  }

  emit<K extends keyof StationClientEvents>(name: K, event: StationClientEvents[K]): void {
    const list = this.listeners.get(name) as Listener<K>[] | undefined;
    if (!list) return;
    for (const l of [...list]) {
      try {
        l(event);
      } catch (error) {
        this.dispatcher.emit('pluginError', { plugin: 'listener', hook: name, error });
      }
    }
  }
}
