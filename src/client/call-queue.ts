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
  /** Made while connected and still waiting (CallQueue's bookkeeping of its two bounds). */
  queuedOnline?: boolean;
  /** Its `signal` aborted while it was in flight: already rejected, never sent again. */
  aborted?: boolean;
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
 * The station client's one outbound queue: the call in flight, then the others in the order they were
 * made. Calls made while disconnected (the offline backlog) are older than any made since the link came
 * back, so one FIFO keeps both in order; two bounds, because they protect different things:
 * `maxWaiting` keeps a connected app from outrunning the link (CallQueueFullError, as on the CSMS side),
 * `offlineMax` bounds what piles up while there is no link, with an explicit overflow policy.
 *
 * The RPC layer below (`OutboundCalls`) only ever holds the one call in flight that this queue handed it:
 * its timer and the matching of the answer by message id. This queue decides what goes next, and what
 * survives a dropped connection.
 */
export class CallQueue {
  private queue = new Deque<PendingCall>();
  private inFlight: PendingCall | undefined;
  /** Of `queue`, how many were made while connected (the rest, at the front, are the offline backlog). */
  private online = 0;

  constructor(private readonly opts: CallQueueOptions) {}

  get current(): PendingCall | undefined {
    return this.inFlight;
  }

  /** Calls waiting from before the link (re)opened. */
  get backlogCount(): number {
    return this.queue.length - this.online;
  }

  /** Calls made while connected, waiting for their turn. */
  get waitingCount(): number {
    return this.online;
  }

  /** Connected: wait behind the backlog; throws CallQueueFullError beyond `maxWaiting`. */
  addOnline(call: PendingCall): void {
    if (this.online >= this.opts.maxWaiting)
      throw new CallQueueFullError(this.opts.identity, this.opts.maxWaiting);
    call.queuedOnline = true;
    this.online++;
    this.queue.push(call);
  }

  /** Disconnected: into the backlog; a full backlog applies the overflow policy. */
  addOffline(call: PendingCall): void {
    // Offline, every queued call is backlog (requeue made it so).
    if (this.queue.length >= this.opts.offlineMax) {
      if (this.opts.overflow === 'reject-new' || this.opts.offlineMax === 0)
        throw new OfflineQueueFullError(this.opts.identity, call.action, this.opts.offlineMax);
      this.drop(this.shift()!);
    }
    this.queue.push(call);
  }

  /** The next call to transmit, which becomes the one in flight. */
  take(): PendingCall | undefined {
    if (this.inFlight) return undefined;
    const call = this.shift();
    this.inFlight = call;
    return call;
  }

  /** Take a waiting call out (its signal aborted); false if it is not waiting (in flight, or gone). */
  remove(call: PendingCall): boolean {
    if (this.inFlight === call || this.queue.retain((c) => c !== call) === 0) return false;
    if (call.queuedOnline) {
      call.queuedOnline = false;
      this.online--;
    }
    return true;
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
    const inFlight = this.inFlight;
    const all: PendingCall[] = [];
    for (const c of this.drain()) {
      // Aborted in flight: its caller was already told; it must not reach the CSMS a second time.
      if (c.aborted) continue;
      if (c.keepOffline) all.push(c);
      else c.reject(lost(c, c === inFlight));
    }
    const excess = Math.max(0, all.length - this.opts.offlineMax);
    const oldest = this.opts.overflow === 'drop-oldest';
    const kept = oldest ? all.slice(excess) : all.slice(0, all.length - excess);
    const dropped = oldest ? all.slice(0, excess) : all.slice(all.length - excess);
    for (const c of kept) this.queue.push(c);
    for (const c of dropped) this.drop(c);
  }

  /** Settle everything with `error` (close()). */
  rejectAll(error: (call: PendingCall) => Error): void {
    for (const c of this.drain()) c.reject(error(c));
  }

  /** Everything, the call in flight first, leaving the queue empty and every call counted as backlog. */
  private drain(): PendingCall[] {
    const all = this.inFlight ? [this.inFlight, ...this.queue] : [...this.queue];
    this.inFlight = undefined;
    this.queue = new Deque(all.length);
    this.online = 0;
    for (const c of all) c.queuedOnline = false;
    return all;
  }

  private shift(): PendingCall | undefined {
    const call = this.queue.shift();
    if (call?.queuedOnline) {
      call.queuedOnline = false;
      this.online--;
    }
    return call;
  }

  private drop(call: PendingCall): void {
    call.reject(new OfflineCallDroppedError(this.opts.identity, call.action, call.messageId));
    this.opts.dropped(call);
  }
}
