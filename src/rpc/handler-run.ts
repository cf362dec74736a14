import type WebSocket from 'ws';
import { RpcError } from '../protocol/errors.js';
import type { CallFrame, Payload } from '../protocol/frames.js';
import type { OcppVersion } from '../protocol/versions.js';
import { HandlerTimeoutError } from './errors.js';
import { type Handler, type HandlerContext, NOREPLY } from './handlers.js';
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
  /** The handler's answer to a translated CALL, in the station's version; throws an RpcError on failure. */
  translateAnswer(frame: CallFrame, result: Payload, state: unknown): Payload | Promise<Payload>;
  /** The handler's CALLERROR to a translated CALL, as the station gets it. */
  translateError(frame: CallFrame, error: RpcError, state: unknown): RpcError | Promise<RpcError>;
}

/** What the run waits for when something is asynchronous: the handler, or a translation of its outcome. */
const Phase = { Handler: 0, Answer: 1, Error: 2 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

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
  /** The translation the CALL came through (its answer goes back through it), if any. */
  readonly #translated: { readonly state?: unknown } | undefined;
  /** When the call must be answered by (performance.now() ms), set when a phase first goes async. */
  #deadline: number;
  #limit = 0;

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
    /** The translator's translation of the CALL: the answer goes back through the translators. */
    translated?: { readonly state?: unknown },
    /** A deadline already running (an async translation used part of the time limit); 0: none yet. */
    deadline = 0,
    limit = 0,
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
    this.#translated = translated;
    this.#deadline = deadline;
    this.#limit = limit;
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

  get abandoned(): boolean {
    if (this.#abort) return this.#abort.signal.aborted;
    return this.#timedOut !== undefined || !this.#host.isBound(this.#socket);
  }

  run(): Promise<void> | void {
    let result: unknown;
    try {
      result = this.#handler(this);
    } catch (error) {
      return this.#failed(error);
    }
    if (result instanceof Promise) return this.#await(result, Phase.Handler);
    // Any thenable (a Bluebird promise, a query builder, another realm's Promise) is awaited too.
    if (isThenable(result)) return this.#await(Promise.resolve(result), Phase.Handler);
    return this.#returned(result);
  }

  /**
   * One time limit for what follows the CALL's arrival: the handler and the translations of its answer
   * (and, through `deadline`, the translation of the CALL itself). Each async phase gets what is left.
   */
  #await(pending: Promise<unknown>, phase: Phase): Promise<void> {
    let left: number;
    if (this.#deadline === 0) {
      this.#limit = this.#host.handlerTimeoutMs();
      left = this.#limit > 0 ? this.#limit : Number.POSITIVE_INFINITY;
      // Only a translated CALL has later phases that need the deadline: an untranslated async handler
      // (every proxied call) reads no clock for it.
      this.#deadline =
        this.#translated && this.#limit > 0 ? performance.now() + this.#limit : Number.POSITIVE_INFINITY;
    } else {
      left = this.#deadline - performance.now();
    }
    if (left === Number.POSITIVE_INFINITY) {
      return pending.then(
        (value) => this.#next(phase, value, false),
        (error) => this.#next(phase, error, true),
      );
    }
    // One timer and a settle-once promise rather than Promise.race over a timeout promise: fewer
    // promises per call (every proxied call runs through here). It settles at the time limit even if
    // the handler never does, so the station's next CALL is not held behind it.
    return new Promise<void>((settle, fail) => {
      let done = false;
      // A throw in what follows the handler rejects run()'s promise (the queue reports it), as before;
      // a further async phase settles this one when it is over.
      const finish = (then: () => Promise<void> | void) => {
        done = true;
        try {
          const after = then();
          if (after) after.then(settle, fail);
          else settle();
        } catch (error) {
          fail(error);
        }
      };
      const timer = setTimeout(
        () =>
          finish(() => {
            this.#timedOut = new HandlerTimeoutError(this.action, this.#limit);
            this.#abort?.abort(this.#timedOut);
            this.#unlink?.();
            this.#host.handlerFailed(this.#frame, this.#isSend, this.#socket, this.#timedOut);
          }),
        Math.max(0, left),
      );
      pending.then(
        (value) => {
          if (done) return;
          clearTimeout(timer);
          finish(() => this.#next(phase, value, false));
        },
        (error) => {
          if (done) return;
          clearTimeout(timer);
          finish(() => this.#next(phase, error, true));
        },
      );
    });
  }

  #next(phase: Phase, value: unknown, failed: boolean): Promise<void> | void {
    if (phase === Phase.Handler) return failed ? this.#failed(value) : this.#returned(value);
    if (phase === Phase.Answer && !failed) return this.#answer(value);
    // A translation failed (an RpcError by then), or the CALLERROR was translated: it goes out as it is.
    this.#unlink?.();
    this.#host.handlerFailed(this.#frame, this.#isSend, this.#socket, value);
  }

  #returned(result: unknown): Promise<void> | void {
    const t = this.#translated;
    // Not an answer to translate: handlerReturned refuses a non-object as it does untranslated.
    if (t === undefined || result === NOREPLY || result === null || typeof result !== 'object')
      return this.#answer(result);
    let answer: Payload | Promise<Payload>;
    try {
      answer = this.#host.translateAnswer(this.#frame, result as Payload, t.state);
    } catch (error) {
      return this.#next(Phase.Error, error, true);
    }
    if (answer instanceof Promise) return this.#await(answer, Phase.Answer);
    return this.#answer(answer);
  }

  #answer(result: unknown): void {
    this.#unlink?.();
    this.#host.handlerReturned(this.#frame, this.#isSend, this.#socket, this.#started, result);
  }

  #failed(error: unknown): Promise<void> | void {
    const t = this.#translated;
    if (t !== undefined && error instanceof RpcError) {
      let translated: RpcError | Promise<RpcError>;
      try {
        translated = this.#host.translateError(this.#frame, error, t.state);
      } catch (failure) {
        translated = failure as RpcError;
      }
      if (translated instanceof Promise) return this.#await(translated, Phase.Error);
      error = translated;
    }
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
