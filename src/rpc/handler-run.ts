import type WebSocket from 'ws';
import type { CallFrame, Payload } from '../protocol/frames.js';
import type { OcppVersion } from '../protocol/versions.js';
import { HandlerTimeoutError } from './errors.js';
import type { Handler, HandlerContext } from './handlers.js';
import type { InboundJob } from './inbound-calls.js';
import type { StationHandle } from './station-handle.js';

/** What a running handler needs from its endpoint; the endpoint implements it (no closures). */
export interface HandlerHost {
  readonly identity: string;
  /** The station as the handler sees it. */
  readonly handle: StationHandle;
  /** Time limit of an async handler, read when it starts (it can be reconfigured). */
  handlerTimeoutMs(): number;
  /** Is `socket` still the one bound? A CALL's answer goes on the socket it came in on, or nowhere. */
  isBound(socket: WebSocket | undefined): boolean;
  /** Aborted when the bound connection ends. */
  readonly connectionSignal: AbortSignal;
  // The CALL's own facts as arguments: the context handed to the handler must not expose them.
  handlerReturned(
    frame: CallFrame,
    isSend: boolean,
    socket: WebSocket | undefined,
    started: number,
    result: unknown,
  ): void;
  handlerFailed(frame: CallFrame, isSend: boolean, socket: WebSocket | undefined, error: unknown): void;
}

/**
 * One inbound CALL going through its handler: the inbound queue's job and the handler's context in
 * one object. A class, not an object literal: a literal with a `signal` getter gets a fresh getter
 * closure per call and with it a hidden class of its own, allocated in old space and pointing at the
 * call's payload, so every payload outlived young-generation GC and was promoted. Measured at max
 * rate: ~1.5 KB promoted per call and scavenges 5x slower; this shape promotes nothing.
 */
export class HandlerRun implements HandlerContext, InboundJob {
  readonly action: string;
  readonly messageId: string;
  readonly protocol: OcppVersion;
  readonly #host: HandlerHost;
  readonly #handler: Handler;
  readonly #frame: CallFrame;
  readonly #isSend: boolean;
  readonly #socket: WebSocket | undefined;
  readonly #started: number;
  #abort: AbortController | undefined;
  #unlink: (() => void) | undefined;
  #timedOut: HandlerTimeoutError | undefined;

  constructor(
    host: HandlerHost,
    handler: Handler,
    frame: CallFrame,
    readonly payload: Payload,
    protocol: OcppVersion,
    isSend: boolean,
    socket: WebSocket | undefined,
    /** `performance.now()` when handling began, or 0 when no observer wants the latency. */
    started: number,
    /** The action the handler handles, when a translator presents the CALL as another version's. */
    handledAs: string = frame.action,
  ) {
    this.action = handledAs;
    this.messageId = frame.messageId;
    this.protocol = protocol;
    this.#host = host;
    this.#handler = handler;
    this.#frame = frame;
    this.#isSend = isSend;
    this.#socket = socket;
    this.#started = started;
  }

  /** The station as the handler sees it (read from the endpoint: most handlers never ask). */
  get station(): StationHandle {
    return this.#host.handle;
  }

  /**
   * Built on first read (most handlers never read it). It belongs to this call: read after the
   * socket the CALL came in on is gone, it is already aborted; the time limit aborts it too.
   */
  get signal(): AbortSignal {
    if (!this.#abort) {
      const own = new AbortController();
      this.#abort = own;
      if (this.#timedOut) own.abort(this.#timedOut);
      else if (!this.#host.isBound(this.#socket)) own.abort();
      else {
        const connection = this.#host.connectionSignal;
        const relay = () => own.abort(connection.reason);
        connection.addEventListener('abort', relay, { once: true });
        this.#unlink = () => connection.removeEventListener('abort', relay);
      }
    }
    return this.#abort.signal;
  }

  run(): Promise<void> | void {
    let result: unknown;
    try {
      result = this.#handler(this);
    } catch (error) {
      this.#failed(error);
      return;
    }
    if (result instanceof Promise) return this.#await(result);
    // Any thenable (a Bluebird promise, a query builder, another realm's Promise) is awaited too.
    if (isThenable(result)) return this.#await(Promise.resolve(result));
    this.#returned(result);
  }

  #await(result: Promise<unknown>): Promise<void> {
    const limit = this.#host.handlerTimeoutMs();
    if (limit <= 0) {
      return result.then(
        (value) => this.#returned(value),
        (error) => this.#failed(error),
      );
    }
    // One timer and a settle-once promise rather than Promise.race over a timeout promise: fewer
    // promises per call (every proxied call runs through here). It settles at the time limit even if
    // the handler never does, so the station's next CALL is not held behind it.
    return new Promise<void>((settle, fail) => {
      let done = false;
      // A throw in what follows the handler rejects run()'s promise (the queue reports it), as before.
      const finish = (then: () => void) => {
        done = true;
        try {
          then();
          settle();
        } catch (error) {
          fail(error);
        }
      };
      const timer = setTimeout(
        () =>
          finish(() => {
            this.#timedOut = new HandlerTimeoutError(this.action, limit);
            this.#abort?.abort(this.#timedOut);
            this.#failed(this.#timedOut);
          }),
        limit,
      );
      result.then(
        (value) => {
          if (done) return;
          clearTimeout(timer);
          finish(() => this.#returned(value));
        },
        (error) => {
          if (done) return;
          clearTimeout(timer);
          finish(() => this.#failed(error));
        },
      );
    });
  }

  #returned(result: unknown): void {
    this.#unlink?.();
    this.#host.handlerReturned(this.#frame, this.#isSend, this.#socket, this.#started, result);
  }

  #failed(error: unknown): void {
    this.#unlink?.();
    this.#host.handlerFailed(this.#frame, this.#isSend, this.#socket, error);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
