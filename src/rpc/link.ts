import type WebSocket from 'ws';
import type { MessageContext, MessageEvent, SecurityEventType, StationRef } from '../hooks/types.js';
import type { Frame, Payload } from '../protocol/frames.js';
import type { OcppVersion } from '../protocol/versions.js';
import type { CallOptions, EndpointRuntime } from './runtime.js';
import { type StationHandle, StationHandleView, type StationSnapshot } from './station-handle.js';

type MessageType = MessageContext['type'];
const TYPE_NAMES: Record<number, MessageType> = {
  2: 'CALL',
  3: 'CALLRESULT',
  4: 'CALLERROR',
  5: 'CALLRESULTERROR',
  6: 'SEND',
};

/**
 * One OCPP-J connection as the RPC endpoint sees it: the bound socket, what goes on it (with the
 * counters, payload logging and backpressure report), the `message` observation, the closing
 * handshake, and the handle users hold. RpcEndpoint adds the CALL pipelines on top.
 */
export abstract class RpcLink implements StationHandle {
  private view: StationHandle | undefined;
  protected ws: WebSocket | undefined;
  private abort: AbortController | undefined;
  private closeWaiters: (() => void)[] | undefined;
  /**
   * @internal This station's frames (redacted like `message` events) to one observer, without turning on
   * `message` events for every station: the operator page's log of the station it shows.
   */
  tap: ((event: MessageEvent & { readonly station: StationRef }) => void) | undefined;

  constructor(
    protected readonly rt: EndpointRuntime,
    readonly identity: string,
    public protocol: OcppVersion,
    public remoteAddress: string | undefined,
  ) {}

  abstract call(action: string, payload: Payload, options?: CallOptions): Promise<Payload>;
  abstract close(code?: number, reason?: string): Promise<void>;
  abstract snapshot(): StationSnapshot;
  /** Text from the peer. */
  abstract receive(raw: string): void;

  /** What users get to hold of this station (handlers, events, plugins); made on first use. */
  get handle(): StationHandle {
    this.view ??= new StationHandleView(this);
    return this.view;
  }

  get connected(): boolean {
    return this.ws !== undefined;
  }

  /** @internal Aborted when this connection ends: handed to handlers as `signal`. */
  get connectionSignal(): AbortSignal {
    this.abort ??= new AbortController();
    return this.abort.signal;
  }

  protected bindSocket(ws: WebSocket): void {
    this.ws = ws;
  }

  /**
   * Start the closing handshake on the bound socket; resolves when `socketGone` runs for it. A peer
   * that never completes the handshake is cut off after `graceMs`.
   */
  protected closeSocket(ws: WebSocket, code: number, reason: string, graceMs: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.closeWaiters) this.closeWaiters.push(resolve);
      else this.closeWaiters = [resolve];
      ws.close(code, reason);
      setTimeout(() => ws.terminate(), graceMs).unref();
    });
  }

  /** The closed socket is reported: whoever waits in `closeSocket` may go on. */
  protected socketGone(): void {
    const waiters = this.closeWaiters;
    this.closeWaiters = undefined;
    if (waiters) for (const w of waiters) w();
  }

  /** Abort the handlers of the connection that ended (their `signal`). */
  protected abortHandlers(): void {
    this.abort?.abort();
    this.abort = undefined;
  }

  /** A WebSocket message in. OCPP-J uses text frames; a binary one is decoded as UTF-8 all the same and judged by content. */
  protected received(data: Buffer, isBinary: boolean): void {
    this.receive(isBinary ? Buffer.from(data).toString('utf8') : data.toString());
  }

  // --- what the call bookkeeping asks of its connection -------------------------------------------
  /** @internal */
  outboundLimit(): number {
    return this.rt.maxQueuedCalls;
  }
  /** @internal */
  inboundLimit(): number {
    return this.rt.maxInboundWaiting;
  }
  /** @internal */
  jitterDelay(ms: number): number {
    return this.rt.jitter(ms);
  }
  /** @internal */
  handlerTimeoutMs(): number {
    return this.rt.handlerTimeoutMs;
  }
  /** @internal */
  isBound(socket: WebSocket | undefined): boolean {
    return socket !== undefined && this.ws === socket;
  }
  /** @internal */
  jobFailed(error: unknown): void {
    this.rt.logger.error({ identity: this.identity, err: error }, 'inbound job failed');
  }

  /** Put text on the socket; false when there is no socket. Reports a filling send buffer. */
  protected sendText(text: string): boolean {
    const ws = this.ws;
    if (!ws) return false;
    ws.send(text);
    this.rt.stats.messagesOut++;
    if (this.rt.logPayloads) this.rt.logger.debug({ identity: this.identity, raw: text }, 'ocpp out');
    if (ws.bufferedAmount > this.rt.backpressureBytes) {
      this.rt.dispatcher.emit('backpressure', { station: this.handle, bufferedAmount: ws.bufferedAmount });
    }
    return true;
  }

  protected securityEvent(type: SecurityEventType, details: Record<string, unknown>): void {
    this.rt.dispatcher.emit('securityEvent', {
      type,
      identity: this.identity,
      remoteAddress: this.remoteAddress,
      timestamp: new Date(),
      details,
    });
  }

  /** Someone wants this station's frames as events: `message` listeners, or a tap on this station. */
  protected get observed(): boolean {
    return this.tap !== undefined || this.rt.dispatcher.has('message');
  }

  protected observe(
    message: Frame,
    direction: 'IN' | 'OUT',
    action: string | undefined,
    /** `performance.now()` when the exchange began, for the latency of an answer. */
    since: number | undefined,
  ): void {
    const d = this.rt.dispatcher;
    const tap = this.tap;
    const emits = d.has('message');
    if (!emits && !tap) return;
    const latencyMs = since === undefined ? undefined : performance.now() - since;
    const event = {
      station: this.handle,
      message,
      direction,
      ctx: {
        type: TYPE_NAMES[message.type]!,
        messageId: message.messageId,
        action,
        timestamp: new Date(),
        latencyMs,
      },
    };
    if (emits) d.emit('message', event);
    if (tap) tapped(tap, d.redacting ? d.redaction.event('message', event) : event, this.rt);
  }
}

/** A tap is an observer like a `message` listener: its failure is logged, never the station's problem. */
function tapped(
  tap: (event: MessageEvent & { readonly station: StationRef }) => void,
  event: MessageEvent & { readonly station: StationRef },
  rt: EndpointRuntime,
): void {
  try {
    tap(event);
  } catch (error) {
    rt.logger.warn({ identity: event.station.identity, err: error }, 'message tap failed');
  }
}
