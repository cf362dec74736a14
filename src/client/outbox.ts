import { randomUUID } from 'node:crypto';
import { actionInfo } from '../protocol/actions.js';
import { RpcError } from '../protocol/errors.js';
import type { Payload } from '../protocol/frames.js';
import type { OcppVersion } from '../protocol/versions.js';
import type { CallOptions } from '../rpc/runtime.js';
import type { CallQueue, PendingCall } from './call-queue.js';
import { CallAbortedError, NotConnectedError, StationClosedError } from './errors.js';

export interface ClientCallOptions extends CallOptions {
  /** Queue the call while disconnected, and re-queue it if the connection drops before its answer. */
  queueWhileOffline?: boolean;
  /**
   * Cancel the call: still queued (waiting its turn, or offline), it is taken out and never sent; in
   * flight, its answer is no longer awaited (and it is not re-sent after a reconnect). Either way it
   * rejects with CallAbortedError at once.
   */
  signal?: AbortSignal;
}

/** What the outbox needs of the link it sends on (the station client's endpoint). */
export interface OutboxLink {
  readonly identity: string;
  /** The version calls are prepared for: the negotiated one, or the first offered until then. */
  protocol(): OcppVersion;
  /** The version is known (negotiated, or only one offered): a call can be checked when it is made. */
  negotiated(): boolean;
  connected(): boolean;
  closed(): boolean;
  strict(): boolean;
  /** The request as it will leave (outbound middleware, strict checks); throws (typed). */
  prepare(action: string, payload: Payload): Payload;
  /** Hand a prepared CALL to the RPC layer; settles with its answer. */
  submit(action: string, request: Payload, options: CallOptions): Promise<Payload>;
  /** Put a prepared 2.1 SEND on the wire; throws CallDroppedError when an interceptor drops it. */
  send(call: PendingCall): void;
  /** The answer to a BootNotification (the connection actor tracks registration). */
  booted(response: Payload): void;
}

/**
 * Delivery of the station client's calls, across sockets: each call is checked for the version when
 * it is made (or when its connection opens), waits in the CallQueue (one CALL in flight, the rest in
 * order, an offline backlog), can be cancelled by its signal, and is sent again with the same id
 * after a dropped connection (see CallQueue.requeue). A SEND has no answer, so it never waits behind
 * a CALL in flight.
 */
export class Outbox {
  constructor(
    private readonly link: OutboxLink,
    readonly queue: CallQueue,
    private readonly queueWhileOffline: boolean,
  ) {}

  enqueue(
    kind: PendingCall['kind'],
    action: string,
    payload: Payload,
    options: ClientCallOptions,
  ): Promise<Payload | undefined> {
    const link = this.link;
    if (link.closed()) return Promise.reject(new StationClosedError(link.identity, action));
    const signal = options.signal;
    const messageId = options.messageId ?? randomUUID();
    if (signal?.aborted)
      return Promise.reject(new CallAbortedError(link.identity, action, messageId, false, signal.reason));
    return new Promise((resolve, reject) => {
      const call: PendingCall = {
        kind,
        action,
        payload,
        messageId,
        timeoutMs: options.timeoutMs,
        keepOffline: options.queueWhileOffline ?? (kind === 'call' && this.queueWhileOffline),
        request: undefined,
        preparedFor: undefined,
        sends: 0,
        resolve,
        reject,
      };
      if (signal) this.cancellable(call, signal);
      // Fail where the call is made when the version is known; otherwise when its connection opens.
      if (link.negotiated()) this.prepare(call);
      const connected = link.connected();
      if (kind === 'send' && connected) {
        link.send(call);
        resolve(undefined);
        return;
      }
      if (connected) this.queue.addOnline(call);
      else if (call.keepOffline) this.queue.addOffline(call);
      else throw new NotConnectedError(link.identity, action);
      this.pump();
    });
  }

  /** Send what may go now: the next queued item whenever nothing is in flight. */
  pump(): void {
    while (this.link.connected() && !this.queue.current) {
      const call = this.queue.take();
      if (!call) return;
      this.transmit(call);
    }
  }

  /** Tie `call` to `signal`: the listener goes when the call settles, so a long-lived signal holds nothing. */
  private cancellable(call: PendingCall, signal: AbortSignal): void {
    const { resolve, reject } = call;
    const onAbort = () => {
      const sent = this.queue.current === call;
      if (sent) call.aborted = true;
      else this.queue.remove(call);
      call.reject(new CallAbortedError(this.link.identity, call.action, call.messageId, sent, signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    call.resolve = (payload) => {
      signal.removeEventListener('abort', onAbort);
      resolve(payload);
    };
    call.reject = (error) => {
      signal.removeEventListener('abort', onAbort);
      reject(error);
    };
  }

  private prepare(call: PendingCall): void {
    const protocol = this.link.protocol();
    if (call.preparedFor === protocol) return;
    const info = actionInfo(protocol, call.action);
    if (call.kind === 'send') {
      if (protocol !== 'ocpp2.1')
        throw new RpcError('NotSupported', `SEND (message type 6) does not exist in ${protocol}`);
      if (this.link.strict() && !info?.sendOnly)
        throw new RpcError('NotSupported', `${call.action} is not sent as a SEND in ${protocol}`);
    } else if (info?.sendOnly) {
      // It would wait for an answer that never comes.
      throw new RpcError('NotSupported', `${call.action} has no response: use send()`);
    }
    call.request = this.link.prepare(call.action, call.payload);
    call.preparedFor = protocol;
  }

  private transmit(call: PendingCall): void {
    try {
      this.prepare(call);
      if (call.kind === 'send') {
        this.queue.finish(call);
        this.link.send(call);
        call.resolve(undefined);
        return;
      }
      const sends = ++call.sends;
      const options = { messageId: call.messageId, timeoutMs: call.timeoutMs };
      this.link.submit(call.action, call.request!, options).then(
        (response) => {
          if (!this.settle(call, sends)) return;
          if (call.action === 'BootNotification') this.link.booted(response);
          call.resolve(response);
          this.pump();
        },
        (error: Error) => {
          if (!this.settle(call, sends)) return;
          call.reject(error);
          this.pump();
        },
      );
    } catch (error) {
      this.queue.finish(call);
      call.reject(error as Error);
    }
  }

  /** Is this the answer to the call's latest transmission, still in flight? Then it is done. */
  private settle(call: PendingCall, sends: number): boolean {
    return call.sends === sends && this.queue.finish(call);
  }

  get counts(): { inFlight: number; waiting: number; offline: number } {
    return {
      inFlight: this.queue.current ? 1 : 0,
      waiting: this.queue.waitingCount,
      offline: this.queue.backlogCount,
    };
  }

  /** Nothing in flight and nothing waiting. */
  get empty(): boolean {
    return !this.queue.current && this.queue.waitingCount + this.queue.backlogCount === 0;
  }
}
