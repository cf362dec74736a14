import type WebSocket from 'ws';
import { type Actor, createActor } from 'xstate';
import type { Dispatcher } from '../hooks/dispatcher.js';
import {
  type BackingOff,
  type ClientConnectionMachine,
  clientConnectionMachineWith,
  clientConnectionOf,
  clientRegistrationOf,
} from '../machines/client-connection.js';
import { encodeSend } from '../protocol/encode.js';
import type { Payload } from '../protocol/frames.js';
import type { OcppVersion } from '../protocol/versions.js';
import { RpcEndpoint } from '../rpc/endpoint.js';
import { CallDroppedError, StationDisconnectedError } from '../rpc/errors.js';
import type { EndpointRuntime } from '../rpc/runtime.js';
import type { StationSnapshot } from '../rpc/station-handle.js';
import { CallQueue, type PendingCall } from './call-queue.js';
import { ConnectError, StationClosedError } from './errors.js';
import type { StationEventMap } from './events.js';
import type { ResolvedStationOptions } from './options.js';
import { type ClientCallOptions, Outbox } from './outbox.js';
import { handshakeStatus, openSocket, Pinger } from './socket.js';

export interface ClientRuntime extends EndpointRuntime {
  readonly dispatcher: Dispatcher<StationEventMap>;
  readonly options: ResolvedStationOptions;
}

/**
 * The charging-station end of one OCPP-J link, kept across sockets: the shared RPC core (RpcEndpoint,
 * side 'station'), a connection actor that decides when to (re)connect, and the Outbox of its calls.
 *
 * Delivery of calls (see also src/client/index.ts and outbox.ts): one CALL in flight; the others wait in
 * order. A call whose connection drops before its answer goes back to the front of the queue and is
 * sent again, with the same message id, on the next connection: at-least-once, so the CSMS may see it
 * twice and can tell by the id. Calls never sent are delivered exactly once. A timed-out call is not
 * retried: its promise rejects with CallTimeoutError.
 */
export class ClientEndpoint extends RpcEndpoint {
  readonly actor: Actor<ClientConnectionMachine>;
  private readonly outbox: Outbox;
  private readonly o: ResolvedStationOptions;
  /** The socket of the current attempt, or the open one (which `ws` also holds). */
  private socket: WebSocket | undefined;
  /** `protocol` is what the next connection will speak, as far as we know: checks may run now. */
  private negotiated: boolean;
  private openedAt: number | undefined;
  private nextAttemptAt: number | undefined;
  private openWaiters: { resolve(): void; reject(e: Error): void }[] = [];
  private closed = false;
  private readonly pinger: Pinger;

  constructor(private readonly client: ClientRuntime) {
    const o = client.options;
    super(client, o.identity, o.protocols[0]!, undefined);
    this.o = o;
    this.negotiated = o.protocols.length === 1;
    this.pinger = new Pinger(o.pingIntervalMs, (ws) => {
      client.dispatcher.emit('pongTimeout', { station: this.handle });
      ws.terminate();
    });
    const queue = new CallQueue({
      identity: o.identity,
      maxWaiting: o.maxQueuedCalls,
      offlineMax: o.offlineQueue.max,
      overflow: o.offlineQueue.overflow,
      dropped: (call) =>
        client.dispatcher.emit('offlineDropped', {
          identity: o.identity,
          action: call.action,
          messageId: call.messageId,
          payload: call.payload,
          policy: o.offlineQueue.overflow,
        }),
    });
    // Closures, not a public host interface: the RPC core's prepare/submit stay protected.
    this.outbox = new Outbox(
      {
        identity: o.identity,
        protocol: () => this.protocol,
        negotiated: () => this.negotiated,
        connected: () => this.ws !== undefined,
        closed: () => this.closed,
        strict: () => this.rt.strict,
        prepare: (action, payload) => this.prepareCall(action, payload),
        submit: (action, request, options) => this.submitCall(action, request, options),
        send: (call) => this.transmitSend(call),
        booted: (response) => this.recordBoot(response),
      },
      queue,
      o.queueWhileOffline,
    );
    const { random, ...backOff } = o.reconnect;
    const machine = clientConnectionMachineWith({ random }).provide({
      actions: { openSocket: () => this.openSocket() },
    });
    this.actor = createActor(machine, { id: o.identity, input: { identity: o.identity, ...backOff } });
    this.actor.on('backingOff', (b) => this.backingOff(b));
    this.actor.on('registered', ({ status }) =>
      client.dispatcher.emit('registered', { station: this.handle, status }),
    );
    this.actor.start();
  }

  // --- lifecycle ----------------------------------------------------------------------------------
  /** Resolves when a connection is open; keeps trying until then. Rejects only if closed first. */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new StationClosedError(this.identity));
    if (this.ws) return Promise.resolve();
    const opened = new Promise<void>((resolve, reject) => this.openWaiters.push({ resolve, reject }));
    this.actor.send({ type: 'CONNECT' });
    return opened;
  }

  /** Stop for good: no more attempts; every queued call rejects with StationClosedError. */
  close(code = 1000, reason = ''): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.pinger.stop();
    this.actor.send({ type: 'CLOSE' });
    this.actor.stop();
    this.outbox.queue.rejectAll((c) => new StationClosedError(this.identity, c.action));
    for (const w of this.openWaiters.splice(0)) w.reject(new StationClosedError(this.identity));
    const ws = this.socket;
    this.socket = undefined;
    if (!ws) return Promise.resolve();
    if (this.ws !== ws) {
      ws.terminate();
      return Promise.resolve();
    }
    return this.closeSocket(ws, code, reason, 5_000);
  }

  private openSocket(): void {
    let url = this.o.url;
    let ws: WebSocket;
    try {
      ({ url, ws } = openSocket(this.o));
    } catch (error) {
      // Not from within the transition that is entering `connecting`.
      queueMicrotask(() =>
        this.actor.send({ type: 'FAILED', error: new ConnectError(url, undefined, error as Error) }),
      );
      return;
    }
    this.socket = ws;
    let opened = false;
    let failure: Error | undefined;
    ws.on('upgrade', (res) => {
      this.remoteAddress = res.socket.remoteAddress;
    });
    ws.on('open', () => {
      if (this.socket !== ws) return;
      opened = true;
      this.opened(ws);
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (this.ws !== ws) return;
      this.pinger.seen();
      this.received(data, isBinary);
    });
    ws.on('error', (error: Error) => {
      if (opened) this.client.dispatcher.emit('transportError', { station: this.handle, error });
      else failure = error;
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (opened) {
        this.socketClosed(ws, code, reason.toString());
        return;
      }
      if (this.socket !== ws) return;
      this.socket = undefined;
      const cause = failure ?? new Error(`Closed during the handshake (${code})`);
      this.actor.send({ type: 'FAILED', error: new ConnectError(url, handshakeStatus(cause), cause) });
    });
  }

  private opened(ws: WebSocket): void {
    // `ws` checked that the CSMS chose one of the subprotocols offered.
    const protocol = ws.protocol as OcppVersion;
    const reconnect = this.actor.getSnapshot().context.connections > 0;
    this.protocol = protocol;
    this.negotiated = true;
    this.openedAt = Date.now();
    this.nextAttemptAt = undefined;
    this.bindSocket(ws);
    this.pinger.start(ws);
    this.actor.send({ type: 'OPENED', protocol });
    this.client.logger.info({ identity: this.identity, protocol, reconnect }, 'connected to the CSMS');
    this.client.dispatcher.emit('connected', { station: this.handle, reconnect });
    for (const w of this.openWaiters.splice(0)) w.resolve();
    this.outbox.pump();
  }

  private socketClosed(ws: WebSocket, code: number, reason: string): void {
    if (this.ws !== ws) return;
    if (this.socket === ws) this.socket = undefined;
    const durationMs = this.openedAt ? Date.now() - this.openedAt : 0;
    this.pinger.stop();
    // Fails the endpoint's record of the call in flight; the queue's own record is what is retried.
    this.unbindSocket();
    if (!this.closed)
      this.outbox.queue.requeue((_, sent) => new StationDisconnectedError(this.identity, sent));
    this.client.logger.info({ identity: this.identity, code, reason }, 'disconnected from the CSMS');
    this.client.dispatcher.emit('disconnected', { station: this.handle, code, reason, durationMs });
    if (!this.closed) this.actor.send({ type: 'DROPPED', code, reason });
    this.socketGone();
  }

  private backingOff(b: BackingOff): void {
    this.nextAttemptAt = Date.now() + b.delayMs;
    const events = this.client.dispatcher;
    if (b.cause === 'dropped') {
      events.emit('reconnecting', { identity: this.identity, delayMs: b.delayMs });
      return;
    }
    const error = b.error as ConnectError;
    this.client.logger.warn(
      { identity: this.identity, attempt: b.attempt, delayMs: b.delayMs, err: error },
      'connect failed, retrying',
    );
    events.emit('connectFailed', {
      identity: this.identity,
      attempt: b.attempt,
      delayMs: b.delayMs,
      error,
      status: error.status,
    });
  }

  // --- outbound -----------------------------------------------------------------------------------
  override call(action: string, payload: Payload, options: ClientCallOptions = {}): Promise<Payload> {
    return this.outbox.enqueue('call', action, payload, options) as Promise<Payload>;
  }

  /** 2.1 SEND (type 6): no answer exists, so it does not wait for its turn behind a CALL in flight. */
  sendMessage(action: string, payload: Payload, options: ClientCallOptions = {}): Promise<void> {
    return this.outbox.enqueue('send', action, payload, options).then(() => undefined);
  }

  private transmitSend(call: PendingCall): void {
    const d = this.rt.dispatcher;
    const request = call.request!;
    if (d.interceptsSend && !d.allowSend(this.handle, [6, call.messageId, call.action, request]))
      throw new CallDroppedError(this.identity, call.action);
    this.sendText(encodeSend(call.messageId, call.action, request));
    const frame = { type: 6, messageId: call.messageId, action: call.action, payload: request } as const;
    this.observe(frame, 'OUT', call.action, undefined);
  }

  private recordBoot(response: Payload): void {
    if (this.closed) return;
    const { status, interval } = response;
    if (status === 'Accepted' || status === 'Pending' || status === 'Rejected') {
      this.actor.send({ type: 'BOOT_RESULT', status, interval: typeof interval === 'number' ? interval : 0 });
    }
  }

  // --- views --------------------------------------------------------------------------------------
  get queueCounts(): { inFlight: number; waiting: number; offline: number } {
    return this.outbox.counts;
  }

  /** Connected, nothing in flight and nothing waiting: a call made now goes on the wire at once. */
  get idle(): boolean {
    return this.ws !== undefined && this.outbox.empty;
  }

  get knownProtocol(): OcppVersion | undefined {
    return this.negotiated ? this.protocol : undefined;
  }

  get timing(): { openedAt: number | undefined; nextAttemptAt: number | undefined } {
    return { openedAt: this.ws ? this.openedAt : undefined, nextAttemptAt: this.nextAttemptAt };
  }

  /** The CSMS-side snapshot shape, for handlers that read `ctx.station.snapshot()`. */
  snapshot(): StationSnapshot {
    const s = this.actor.getSnapshot();
    const q = this.queueCounts;
    return {
      identity: this.identity,
      protocol: this.protocol,
      remoteAddress: this.remoteAddress,
      connection: clientConnectionOf(s) === 'open' ? 'open' : 'closed',
      registration: clientRegistrationOf(s),
      breaker: 'closed',
      replay: 'idle',
      queuedCalls: q.inFlight + q.waiting + q.offline,
      handlingCalls: this.handlingCalls,
      connectedAt: this.timing.openedAt,
      connections: s.context.connections,
    };
  }

  // --- RpcEndpoint decisions: a station answers whatever its handlers answer --------------------
  protected admitsInbound(): boolean {
    return true;
  }
  protected admitOutbound(): void {}
  protected answered(): void {}
  protected outboundSettled(): void {}
}
