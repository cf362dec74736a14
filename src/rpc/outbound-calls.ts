import type { Payload } from '../protocol/frames.js';
import { Deque } from '../util/deque.js';
import { CallQueueFullError, CallTimeoutError, StationDisconnectedError } from './errors.js';

/** One CALL we sent (or will send) to the peer. */
export interface OutboundCall {
  readonly messageId: string;
  readonly action: string;
  /** Kept for interceptors and observers, which see the tuple rather than the text. */
  readonly request: Payload;
  readonly text: string;
  readonly timeoutMs: number;
  sentAt: number;
  timer: NodeJS.Timeout | undefined;
  resolve(payload: Payload): void;
  reject(error: Error): void;
}

/**
 * The endpoint the calls belong to. An interface implemented by the endpoint itself rather than an
 * options object of closures: one of these per connection, at 10k stations, is memory that adds up.
 */
export interface OutboundHost {
  readonly identity: string;
  /** Calls allowed to wait behind the one in flight (read per call: it can be reconfigured). */
  outboundLimit(): number;
  jitterDelay(ms: number): number;
  /** Put the text on the wire; false when an interceptor dropped it. */
  transmitCall(call: OutboundCall): boolean;
  /** The call got no answer in time (the breaker counts it). */
  callTimedOut(call: OutboundCall): void;
}

/**
 * The per-connection bookkeeping of calls to the peer. OCPP-J (2.x §4.1.1: SHALL NOT; 1.6: SHOULD NOT)
 * allows one CALL in flight, so the rest wait in a bounded FIFO and go out as each answer arrives.
 * Plain code, not machine events: this runs per frame, where an XState send would cost 15-30 µs.
 */
export class OutboundCalls {
  private inFlight: OutboundCall | undefined;
  /** Made when a call first has to wait behind the one in flight. */
  private waiting: Deque<OutboundCall> | undefined;

  constructor(private readonly host: OutboundHost) {}

  get waitingCount(): number {
    return this.waiting?.length ?? 0;
  }

  get current(): OutboundCall | undefined {
    return this.inFlight;
  }

  /** Queue or send a call; throws CallQueueFullError synchronously when the FIFO is full. */
  submit(call: OutboundCall): void {
    if (!this.inFlight) {
      this.start(call);
      return;
    }
    const limit = this.host.outboundLimit();
    if (this.waitingCount >= limit) throw new CallQueueFullError(this.host.identity, limit);
    this.waiting ??= new Deque();
    this.waiting.push(call);
  }

  /** Take the in-flight call if `messageId` answers it; the next waiting call goes out. */
  settle(messageId: string): OutboundCall | undefined {
    const call = this.inFlight;
    if (!call || call.messageId !== messageId) return undefined;
    clearTimeout(call.timer);
    this.inFlight = undefined;
    this.next();
    return call;
  }

  /** Reject everything: the connection is gone. */
  failAll(): void {
    const call = this.inFlight;
    this.inFlight = undefined;
    if (call) {
      clearTimeout(call.timer);
      call.reject(new StationDisconnectedError(this.host.identity, true));
    }
    const rest = this.waiting ? [...this.waiting] : [];
    this.waiting = undefined;
    for (const w of rest) w.reject(new StationDisconnectedError(this.host.identity, false));
  }

  private start(call: OutboundCall): void {
    this.inFlight = call;
    call.sentAt = performance.now();
    if (!this.host.transmitCall(call)) {
      // Dropped by an interceptor: the transmit side already rejected it.
      this.inFlight = undefined;
      this.next();
      return;
    }
    call.timer = setTimeout(
      expire,
      coarse(this.host.jitterDelay(call.timeoutMs), call.timeoutMs),
      this,
      call,
    );
  }

  /** @internal The call's timer fired. */
  expire(call: OutboundCall): void {
    if (this.inFlight !== call) return;
    this.inFlight = undefined;
    call.reject(new CallTimeoutError(this.host.identity, call.action, call.timeoutMs));
    this.host.callTimedOut(call);
    this.next();
  }

  private next(): void {
    while (!this.inFlight) {
      const call = this.waiting?.shift();
      if (!call) return;
      this.start(call);
    }
  }
}

const expire = (calls: OutboundCalls, call: OutboundCall) => calls.expire(call);

/**
 * A jittered timeout rounded to 1 % of the base timeout. Node keeps one timer list per distinct
 * duration: 10k calls jittered to the millisecond made thousands of lists (measured in the fan-out:
 * list creation and heap inserts per call); 1 % steps keep the spread with at most ~20 lists.
 */
function coarse(jittered: number, base: number): number {
  const step = Math.max(1, Math.round(base / 100));
  return Math.round(jittered / step) * step;
}
