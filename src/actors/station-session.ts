import type WebSocket from 'ws';
import { type Actor, type AnyActorRef, createActor } from 'xstate';
import type { Dispatcher } from '../hooks/dispatcher.js';
import type { CsmsEventMap } from '../hooks/types.js';
import {
  type BreakerInput,
  type BreakerMachine,
  breakerAdmits,
  breakerNeedsSuccess,
  breakerStateOf,
} from '../machines/breaker.js';
import {
  type BootStatus,
  connectionOf,
  mayCsmsSend,
  mayHandleCall,
  type RestoredRegistration,
  registrationOf,
  type StationEmitted,
  type StationMachine,
  stationContext,
  stationMachineWith,
} from '../machines/station.js';
import type { Payload } from '../protocol/frames.js';
import type { OcppVersion } from '../protocol/versions.js';
import { RpcEndpoint } from '../rpc/endpoint.js';
import type { CallOptions, EndpointRuntime } from '../rpc/runtime.js';
import type { StationSnapshot } from '../rpc/station-handle.js';
import { type CloseCause, closeCauseOf } from '../transport/close-causes.js';
import type { Jitter } from '../util/jitter.js';
import type { TurnBudget } from '../util/turn-budget.js';
import { ActorTemplate } from './actor-template.js';
import { BreakerOpenError, RegistrationError, StationNotConnectedError } from './errors.js';
import type { ActorClock } from './options.js';
import { stopChild } from './xstate-internals.js';

/** Frames of one station waiting for the frame budget; past it the station is not read (see `hold`). */
const MAX_HELD_FRAMES = 32;

/**
 * The station action a CSMS call asks for, which a Pending station may then send (B02.FR.09): the
 * message a trigger names, the report a report request asks for. Only that one: a trigger for a
 * BootNotification does not let a Pending station send Heartbeats.
 */
function solicitedBy(action: string, payload: Payload): string | undefined {
  if (action === 'GetBaseReport' || action === 'GetReport') return 'NotifyReport';
  if (action !== 'TriggerMessage' && action !== 'ExtendedTriggerMessage') return undefined;
  const requested = payload.requestedMessage;
  if (typeof requested !== 'string') return undefined;
  // SignChargePointCertificate (1.6), SignChargingStationCertificate, SignV2GCertificate, … (2.x)
  return /^Sign\w*Certificate$/.test(requested) ? 'SignCertificate' : requested;
}

/** What the station actors of one CSMS share, beyond the RPC runtime. */
export interface CsmsRuntime extends EndpointRuntime {
  readonly dispatcher: Dispatcher<CsmsEventMap>;
  /** Creates station actors (the station machine with the runtime's actions). */
  readonly stationActors: ActorTemplate<StationMachine>;
  readonly breakerMachine: BreakerMachine | undefined;
  readonly breakerInput: BreakerInput;
  readonly requireBoot: boolean;
  readonly forgetAfterMs: number;
  /** For the station and breaker actors; XState's real timers when undefined. */
  readonly clock: ActorClock | undefined;
  readonly inspect: ((event: unknown) => void) | undefined;
  /**
   * The actor whose XState system every station actor joins (as its parent). A root actor carries an
   * actor system of its own, about 1.8 KB of its ~4 KB, at 10k stations 18 MB. Shared, it also gives one
   * clock and one inspection stream for the whole CSMS, and reports a station actor's error.
   */
  readonly system: AnyActorRef;
  /** Sockets this node holds; the keepalive sweeps them. */
  readonly live: Set<StationSession>;
  /** Frames handled per turn over all stations (`framesPerTurn`); none when 0. */
  readonly frameBudget: TurnBudget | undefined;
  replayStateOf(identity: string): string;
  /** The stored registration of a station new to this node (CsmsOptions.restoreRegistration). */
  readonly restoreRegistration: ((identity: string) => RestoredRegistration | undefined) | undefined;
  /** The machine recorded a BootNotification answer. */
  registered(station: StationSession, status: BootStatus): void;
  /** The machine's forget timer ran out. */
  forgotten(station: StationSession): void;
  /** Connected and Accepted: the offline queue may flush. */
  ready(station: StationSession): void;
  /** No longer connected: stop flushing. */
  gone(station: StationSession): void;
  /** After the `disconnected` event: the station joins the remembered (bounded) ones. */
  remember(station: StationSession): void;
}

/**
 * One charging station's session on the CSMS side: the RPC endpoint of its connection (RpcEndpoint), its
 * XState actor (connection lifecycle + registration) and a circuit breaker actor created on the first
 * failed call. It outlives sockets: a reconnect within `forgetAfterMs` keeps the registration. Users
 * never hold it: they get its `handle`.
 */
export class StationSession extends RpcEndpoint {
  readonly actor: Actor<StationMachine>;
  private breaker: Actor<BreakerMachine> | undefined;
  private connectedAtMs: number | undefined;
  /** When the station last sent a frame: one clock read per frame, for the operator's list. */
  private lastMessageAtMs: number | undefined;
  private askedForBoot = false;
  private closeCause: CloseCause | undefined;
  /** Actions the CSMS asked for on this connection (triggers, reports): a Pending station may send them. */
  private solicited: Set<string> | undefined;
  /** Frames waiting for a turn with room in the CSMS's frame budget (`framesPerTurn`). */
  private held: { readonly data: Buffer; readonly isBinary: boolean }[] | undefined;
  /** Keepalive bookkeeping: traffic seen since the last sweep / ping sent and not yet answered. */
  alive = true;
  awaitingPong = false;
  /** The bound socket has a 'pong' listener. */
  private hearsPongs = false;

  constructor(
    private readonly csms: CsmsRuntime,
    identity: string,
    protocol: OcppVersion,
    remoteAddress: string | undefined,
  ) {
    super(csms, identity, protocol, remoteAddress);
    this.actor = csms.stationActors.create({
      id: identity,
      parent: csms.system,
      input: {
        identity,
        protocol,
        requireBoot: csms.requireBoot,
        forgetAfterMs: csms.forgetAfterMs,
      },
    });
    // One listener for what the machine says (XState `emit`), delivered after each transition.
    this.actor.on('*', (e: StationEmitted) =>
      e.type === 'registered' ? csms.registered(this, e.status) : csms.forgotten(this),
    );
    this.actor.start();
    const restored = csms.restoreRegistration?.(identity);
    if (restored) this.actor.send({ type: 'RESTORED', registration: restored });
  }

  /** Bind a freshly accepted socket; `reconnect` when this actor already had one. */
  attach(ws: WebSocket, protocol: OcppVersion, remoteAddress: string | undefined, reconnect: boolean): void {
    this.protocol = protocol;
    this.remoteAddress = remoteAddress;
    this.connectedAtMs = Date.now();
    this.askedForBoot = false;
    this.closeCause = undefined;
    this.solicited = undefined;
    this.bindSocket(ws);
    this.alive = true;
    this.awaitingPong = false;
    this.hearsPongs = false;
    this.held = undefined;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.alive = true;
      this.lastMessageAtMs = Date.now();
      const budget = this.csms.frameBudget;
      // take() refuses while any frame waits, so this station's own waiting frames stay ahead of this one.
      if (budget === undefined || budget.take()) this.received(data, isBinary);
      else this.hold(ws, data, isBinary, budget);
    });
    ws.on('close', (code: number, reason: Buffer) => this.socketClosed(ws, code, reason.toString()));
    ws.on('error', (error: Error & { code?: string }) => {
      // ws closes on a frame it rejects and stops reading, so the close that follows reads as 1006; keep the cause.
      this.closeCause = closeCauseOf(error) ?? this.closeCause;
      this.csms.dispatcher.emit('transportError', { station: this.handle, error });
    });
    this.csms.live.add(this);
    if (reconnect) this.actor.send({ type: 'CONNECTED', protocol });
    this.csms.dispatcher.emit('connected', { station: this.handle, reconnect });
    if (this.ready) this.csms.ready(this);
  }

  /** A frame read past the CSMS's frame budget (`framesPerTurn`): handled in a later turn, in order. */
  private hold(ws: WebSocket, data: Buffer, isBinary: boolean, budget: TurnBudget): void {
    const held = this.held ?? [];
    this.held = held;
    held.push({ data, isBinary });
    // A station sending without waiting for answers is not read further until its frames are handled.
    if (held.length === MAX_HELD_FRAMES) ws.pause();
    budget.defer(() => {
      if (this.held !== held) return; // its socket went (closing or a new one resets `held`): dropped
      const frame = held.shift()!;
      if (held.length === 0) this.held = undefined;
      if (held.length === MAX_HELD_FRAMES - 1 && !this.draining) ws.resume();
      this.received(frame.data, frame.isBinary);
    });
  }

  /** Connected and Accepted: commands may flow to it. */
  get ready(): boolean {
    return this.connected && registrationOf(this.actor.getSnapshot()) === 'accepted';
  }

  /** A newer socket for the same identity replaces this one. */
  evict(): WebSocket | undefined {
    const old = this.ws;
    if (!old) return undefined;
    this.socketClosed(old, 4000, 'Replaced by a newer connection', true);
    old.close(4000, 'Replaced by a newer connection');
    return old;
  }

  /** `replaced`: a newer socket takes over at once, so the station is not remembered as disconnected. */
  private socketClosed(ws: WebSocket, code: number, reason: string, replaced = false): void {
    if (this.ws !== ws) return; // an evicted socket closing late
    this.held = undefined;
    const durationMs = this.connectedAtMs ? Date.now() - this.connectedAtMs : 0;
    this.unbindSocket();
    this.csms.live.delete(this);
    this.actor.send({ type: 'DISCONNECTED' });
    this.csms.gone(this);
    const cause = code === 1006 ? this.closeCause : undefined;
    this.csms.dispatcher.emit('disconnected', {
      station: this.handle,
      code: cause ? cause.code : code,
      reason: cause ? cause.reason : reason,
      durationMs,
    });
    this.socketGone();
    if (!replaced) this.csms.remember(this);
  }

  /** Shutdown: stop reading, so CALLs that arrive now stay unacknowledged and the station retries them elsewhere. */
  pause(): void {
    this.draining = true;
    this.ws?.pause();
  }

  close(code = 1000, reason = ''): Promise<void> {
    const ws = this.ws;
    if (!ws) return Promise.resolve();
    this.actor.send({ type: 'CLOSE_REQUESTED' });
    // The closing handshake needs reading again; CALLs read from here on are dropped (draining).
    if (this.draining) ws.resume();
    return this.closeSocket(ws, code, reason, this.csms.jitter(5_000));
  }

  terminate(): void {
    this.ws?.terminate();
  }

  /** @internal A frame a plugin built (a remembered answer, say), put on the socket as it is. */
  sendRaw(text: string): boolean {
    return this.sendText(text);
  }

  ping(): void {
    const ws = this.ws;
    if (!ws) return;
    this.awaitingPong = true;
    // Listened for from the first ping on: with keepalive off, a connection never needs the listener.
    if (!this.hearsPongs) {
      this.hearsPongs = true;
      ws.on('pong', () => {
        this.alive = true;
        this.awaitingPong = false;
      });
    }
    ws.ping();
  }

  /** Stop the actors for good (forgotten, or the CSMS is closing). */
  stop(): void {
    stopChild(this.actor);
    this.breaker?.stop();
    this.breaker = undefined;
  }

  override call(action: string, payload: Payload, options?: CallOptions): Promise<Payload> {
    if (!this.connected) return Promise.reject(new StationNotConnectedError(this.identity));
    if (!mayCsmsSend(this.actor.getSnapshot(), action)) {
      return Promise.reject(
        new RegistrationError(this.identity, action, registrationOf(this.actor.getSnapshot())),
      );
    }
    // Only a station that is not Accepted needs the permission (B02.FR.09); an Accepted one sends anything.
    const solicits =
      registrationOf(this.actor.getSnapshot()) === 'accepted' ? undefined : solicitedBy(action, payload);
    if (solicits) {
      this.solicited ??= new Set();
      this.solicited.add(solicits);
    }
    return super.call(action, payload, options);
  }

  snapshot(): StationSnapshot {
    const s = this.actor.getSnapshot();
    return {
      identity: this.identity,
      protocol: this.protocol,
      remoteAddress: this.remoteAddress,
      connection: connectionOf(s),
      registration: registrationOf(s),
      breaker: this.breaker ? breakerStateOf(this.breaker.getSnapshot()) : 'closed',
      replay: this.csms.replayStateOf(this.identity),
      queuedCalls: this.queuedCalls,
      handlingCalls: this.handlingCalls,
      connectedAt: this.connectedAtMs,
      connections: s.context.connections,
      lastMessageAt: this.lastMessageAtMs,
    };
  }

  // --- RpcEndpoint decisions ----------------------------------------------------------------------
  protected admitsInbound(action: string): boolean {
    const s = this.actor.getSnapshot();
    if (mayHandleCall(s, action, this.solicited?.has(action) ?? false)) return true;
    // A station that reconnected to a CSMS that no longer knows it will not boot on its own (2.x
    // SHOULD NOT); ask it once per connection, the way B02/B03 let a CSMS trigger a BootNotification.
    if (!this.askedForBoot && registrationOf(s) === 'unregistered') {
      this.askedForBoot = true;
      // After the SecurityError reply has gone out, so the station sees them in that order.
      // Best effort: a station that refuses or ignores it stays unregistered and is asked again next time.
      queueMicrotask(() =>
        this.call('TriggerMessage', { requestedMessage: 'BootNotification' }).catch((error: unknown) =>
          this.csms.logger.info(
            { identity: this.identity, err: error },
            'unregistered station did not take the trigger to boot',
          ),
        ),
      );
    }
    return false;
  }

  protected admitOutbound(): void {
    const b = this.breaker;
    if (!b) return;
    const admission = breakerAdmits(b.getSnapshot());
    if (admission === 'no')
      throw new BreakerOpenError(
        this.identity,
        breakerStateOf(b.getSnapshot()) === 'open' ? 'open' : 'halfOpen',
      );
    if (admission === 'probe') b.send({ type: 'PROBE_STARTED' });
  }

  protected answered(action: string, response: Payload): void {
    if (action !== 'BootNotification') return;
    const status = response.status;
    if (status === 'Accepted' || status === 'Pending' || status === 'Rejected') {
      const interval = typeof response.interval === 'number' ? response.interval : 0;
      this.actor.send({ type: 'BOOT_RESULT', status, interval });
    }
  }

  protected outboundSettled(ok: boolean): void {
    const machine = this.csms.breakerMachine;
    if (!machine) return;
    if (ok) {
      // Sending on every success would cost an XState send per call; only a streak-breaker matters.
      if (this.breaker && breakerNeedsSuccess(this.breaker.getSnapshot()))
        this.breaker.send({ type: 'CALL_SUCCEEDED' });
      return;
    }
    if (!this.breaker) {
      const breaker = createActor(machine, {
        id: this.identity,
        input: this.csms.breakerInput,
        ...(this.csms.clock && { clock: this.csms.clock }),
        ...(this.csms.inspect && { inspect: this.csms.inspect }),
      });
      breaker.on('breakerChanged', ({ from, to }) => {
        this.csms.dispatcher.emit('breakerChanged', { identity: this.identity, from, to });
        if (to === 'closed') this.breakerClosed();
      });
      this.breaker = breaker.start();
    }
    this.breaker.send({ type: 'CALL_FAILED' });
  }

  /** The breaker healed: drop its actor, a station that never fails should not pay for one. */
  private breakerClosed(): void {
    const b = this.breaker;
    if (b && breakerStateOf(b.getSnapshot()) === 'closed' && b.getSnapshot().context.failures === 0) {
      this.breaker = undefined;
      queueMicrotask(() => b.stop());
    }
  }
}

/** The station actors' template: the station machine with the CSMS's jitter on its forget delay. */
export const stationActorTemplate = (jitter: Jitter): ActorTemplate<StationMachine> =>
  new ActorTemplate(stationMachineWith({ jitter }), stationContext, {
    identity: 'template',
    protocol: 'ocpp1.6',
  });

/** Running handlers may finish, up to `ms`: resolves when every station's inbound queue is idle, or then. */
export async function drained(stations: StationSession[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([Promise.all(stations.map((s) => s.handled())), deadline]);
  clearTimeout(timer);
}
