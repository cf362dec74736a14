import type { DeferredCompletion, OriginalCall, Payload, ProxyCall } from './types.js';

/** What the engine tells a proxy to do with each message. */

export type CallDirection = 'upstream' | 'downstream';

/** A call the proxy forwarded, to be handed back with its answer. The proxy keeps it by forwarded id. */
export interface PendingCall {
  readonly direction: CallDirection;
  /** The translation-map key of the call: its sender's version and original action. */
  readonly key: string;
  readonly original: OriginalCall;
  /** The action as forwarded (the first of a batch). */
  readonly action: string;
  readonly batch: boolean;
}

export interface CallError {
  readonly errorCode: string;
  readonly errorDescription: string;
  readonly errorDetails: Payload;
}

/**
 * What the proxy sends after answering the message: `completions` are deferred answers now complete
 * (a CALLRESULT with `id`, to `to`), `emitted` are calls of the proxy's own.
 */
export interface FollowUps {
  readonly completions: readonly DeferredCompletion[];
  readonly emitted: readonly ProxyCall[];
}

export type CallOutcome = FollowUps &
  (
    | /** Send `action`/`payload` to the other side; hand `pending` back with its answer. */ {
        kind: 'forward';
        action: string;
        payload: Payload;
        pending: PendingCall;
      }
    | /**
     * Send these calls to the other side one after another (one CALL in flight), then hand `pending`
     * back with one `BatchAnswer` per call, in order, as the payload of `translateResponse`.
     */ { kind: 'batch'; calls: readonly { action: string; payload: Payload }[]; pending: PendingCall }
    | /** Answer the sender with a CALLRESULT now; nothing is forwarded. */ {
        kind: 'reply';
        payload: Payload;
      }
    | /** Answer the sender with this CALLERROR (spelled for the sender's version). */ {
        kind: 'error';
        error: CallError;
      }
  );

export type AnswerOutcome = FollowUps &
  (
    | { kind: 'result'; payload: Payload }
    | { kind: 'error'; error: CallError }
    | /** Hold the answer back; a later message completes it (a `completions` entry). */ { kind: 'deferred' }
  );
