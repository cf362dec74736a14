import type { Payload } from '../protocol/frames.js';
import type { OcppVersion } from '../protocol/versions.js';
import { CallQueueFullError } from '../rpc/errors.js';
import { Deque } from '../util/deque.js';
import { OfflineCallDroppedError, OfflineQueueFullError } from './errors.js';

export type OverflowPolicy = 'reject-new' | 'drop-oldest';

/** A call (or 2.1 SEND) the application made, from the moment it is accepted until it is settled. */
export interface PendingCall {
  readonly kind: 'call' | 'send';
  readonly action: string;
  /** As the application gave it; prepared again if the next connection negotiates another version. */
  readonly payload: Payload;
  /** Fixed at creation: a re-sent call keeps its id (2.1 §4.1.4 allows it; the CSMS may dedupe on it). */
  readonly messageId: string;
  readonly timeoutMs: number | undefined;
  /** Wait for the next connection rather than fail when there is none (`queueWhileOffline`). */
  readonly keepOffline: boolean;
  /** `payload` after middleware and strict checks, for `preparedFor`. */
  request: Payload | undefined;
  preparedFor: OcppVersion | undefined;
  /** Bumped at every transmission, so a late settlement of an earlier one is recognised as stale. */
  sends: number;
  resolve(payload: Payload | undefined): void;
  reject(error: Error): void;
}

export interface CallQueueOptions {
  identity: string;
  /** Calls made while connected that may wait behind the one in flight (and behind the backlog). */
  maxWaiting: number;
  /** Calls the offline backlog holds. */
  offlineMax: number;
  overflow: OverflowPolicy;
  /** A call was dropped from the backlog (and rejected with OfflineCallDroppedError). */
  dropped(call: PendingCall): void;
}

/**
 * The station client's outbound calls: one in flight, then the offline backlog, then the calls made
 * while connected, always in that order. Separate bounds, because they protect different things:
 * `maxWaiting` keeps a connected app from outrunning the link (CallQueueFullError, as on the CSMS side);
 * `offlineMax` bounds what piles up while there is no link, with an explicit overflow policy.
 */
export class CallQueue {
  private backlog = new Deque<PendingCall>();
  private waiting = new Deque<PendingCall>();
  private inFlight: PendingCall | undefined;

  constructor(private readonly opts: CallQueueOptions) {}

  get current(): PendingCall | undefined {
    return this.inFlight;
  }

  get backlogCount(): number {
    return this.backlog.length;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Connected: wait behind the backlog; throws CallQueueFullError beyond `maxWaiting`. */
  addOnline(call: PendingCall): void {
    if (this.waiting.length >= this.opts.maxWaiting)
      throw new CallQueueFullError(this.opts.identity, this.opts.maxWaiting);
    this.waiting.push(call);
  }

  /** Disconnected: into the backlog; a full backlog applies the overflow policy. */
  addOffline(call: PendingCall): void {
    if (this.backlog.length >= this.opts.offlineMax) {
      if (this.opts.overflow === 'reject-new' || this.opts.offlineMax === 0)
        throw new OfflineQueueFullError(this.opts.identity, call.action, this.opts.offlineMax);
      this.drop(this.backlog.shift()!);
    }
    this.backlog.push(call);
  }

  /** The next call to transmit, which becomes the one in flight; the backlog goes first. */
  take(): PendingCall | undefined {
    if (this.inFlight) return undefined;
    const call = this.backlog.shift() ?? this.waiting.shift();
    this.inFlight = call;
    return call;
  }

  /** `call` was answered, failed, or went out as a SEND: the next may go. False if it was not in flight. */
  finish(call: PendingCall): boolean {
    if (this.inFlight !== call) return false;
    this.inFlight = undefined;
    return true;
  }

  /**
   * The connection dropped. The call in flight may or may not have reached the CSMS: it goes back to the
   * front (at-least-once), followed by the rest in their order; all of it is now the backlog and is
   * trimmed to `offlineMax` by the overflow policy (drop-oldest: from the front; reject-new: the newest).
   * Calls that may not wait offline are rejected with `lost(call, sent)`.
   */
  requeue(lost: (call: PendingCall, sent: boolean) => Error): void {
    const all: PendingCall[] = [];
    const inFlight = this.inFlight;
    this.inFlight = undefined;
    for (const c of [...(inFlight ? [inFlight] : []), ...this.backlog, ...this.waiting]) {
      if (c.keepOffline) all.push(c);
      else c.reject(lost(c, c === inFlight));
    }
    this.backlog = new Deque(all.length);
    this.waiting = new Deque();
    const excess = Math.max(0, all.length - this.opts.offlineMax);
    const oldest = this.opts.overflow === 'drop-oldest';
    const kept = oldest ? all.slice(excess) : all.slice(0, all.length - excess);
    const dropped = oldest ? all.slice(0, excess) : all.slice(all.length - excess);
    for (const c of kept) this.backlog.push(c);
    for (const c of dropped) this.drop(c);
  }

  /** Settle everything with `error` (close()). */
  rejectAll(error: (call: PendingCall) => Error): void {
    const all = [...(this.inFlight ? [this.inFlight] : []), ...this.backlog, ...this.waiting];
    this.inFlight = undefined;
    this.backlog = new Deque();
    this.waiting = new Deque();
    for (const c of all) c.reject(error(c));
  }

  private drop(call: PendingCall): void {
    call.reject(new OfflineCallDroppedError(this.opts.identity, call.action, call.messageId));
    this.opts.dropped(call);
  }
}
