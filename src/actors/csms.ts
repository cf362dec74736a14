import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer, type RequestListener } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type WebSocket from 'ws';
import { type AnyActorRef, createActor, fromTransition } from 'xstate';
import { createMemoryBus } from '../bus/memory.js';
import type { Bus, EnqueueAck } from '../bus/types.js';
import { breakerMachine } from '../machines/breaker.js';
import { type StationMachine, stationContext, stationMachine } from '../machines/station.js';
import { Dispatcher } from '../plugins/dispatcher.js';
import type { CsmsEventMap, CsmsEventName, OcppPlugin } from '../plugins/types.js';
import type { Payload } from '../protocol/frames.js';
import type {
  AnyVersionRequest,
  AnyVersionResponse,
  CsmsReceivable,
  HandlerReply,
  RequestOf,
  ResponseOf,
  StationHandled,
} from '../protocol/typed.js';
import type { OcppVersion } from '../protocol/versions.js';
import { applyHandshakeTimeouts, handshakeTimeoutOptions } from '../transport/http-timeouts.js';
import { Keepalive } from '../transport/keepalive.js';
import {
  type CsmsTlsOptions,
  createTlsServer,
  defaultCertificateIdentity,
  rsa2048Warning,
  secureContextOptions,
  type TlsRefusal,
  type TlsServerEvents,
  tlsProblems,
  watchTlsErrors,
} from '../transport/tls.js';
import { type AcceptedHandshake, UpgradeHandler, type UpgradeOptions } from '../transport/upgrade.js';
import { jitter, noJitter } from '../util/jitter.js';
import { silentLogger } from '../util/logger.js';
import { ActorTemplate } from './actor-template.js';
import { type CallOptions, newRuntimeStats } from './endpoint.js';
import { OptionsError, StationNotConnectedError } from './errors.js';
import { type Handler, HandlerTable } from './handlers.js';
import { type CsmsOptions, type ResolvedCsmsOptions, resolveCsmsOptions } from './options.js';
import { RememberedStations } from './remembered-stations.js';
import { OfflineQueues } from './replay.js';
import { type CsmsRuntime, StationActor } from './station-actor.js';
import type { StationHandle, StationSnapshot } from './station-handle.js';

export interface ListenOptions {
  port?: number;
  host?: string;
}

export interface CloseOptions {
  /** How long running handlers may finish before sockets close. */
  drainMs?: number;
}

/**
 * A CSMS: accepts station connections, keeps one actor per station, dispatches their CALLs to
 * handlers and sends calls to them. Create with `createCsms(options)`.
 */
export class Csms {
  private current: ResolvedCsmsOptions;
  readonly nodeId: string;
  private readonly dispatcher: Dispatcher;
  private readonly handlers = new HandlerTable();
  private readonly stations = new Map<string, StationActor>();
  private readonly live = new Set<StationActor>();
  /** Disconnected stations kept for a reconnect, at most `maxKnownStations`. */
  private readonly remembered: RememberedStations<StationActor>;
  private readonly runtime: CsmsRuntime;
  private readonly upgrade: UpgradeHandler;
  private readonly upgradeOptions: UpgradeOptions;
  private readonly keepalive: Keepalive<StationActor>;
  private readonly servers: {
    server: HttpServer | HttpsServer;
    owned: boolean;
    unwatch: () => void;
    onError?: (error: Error) => void;
  }[] = [];
  private closing = false;
  private telemetryTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();
  /** The XState system every station actor joins; see CsmsRuntime.system. */
  private readonly system: AnyActorRef & { stop(): void };
  /** The cross-node bus; the embedded in-memory one unless `bus` was given. */
  readonly bus: Bus;
  private readonly ownsBus: boolean;
  private readonly queues: OfflineQueues;
  /** Failed TLS handshakes on our servers and on attached https servers. */
  private readonly tlsEvents: TlsServerEvents = {
    refused: (r: TlsRefusal) =>
      this.dispatcher.emit('securityEvent', {
        type: r.type,
        identity: undefined,
        remoteAddress: r.remoteAddress,
        timestamp: new Date(),
        details: { stage: 'tls', reason: r.reason, ...(r.certificate ? { certificate: r.certificate } : {}) },
      }),
    failed: (error) => this.dispatcher.emit('transportError', { station: undefined, error }),
  };

  constructor(input: CsmsOptions = {}) {
    const o = resolveCsmsOptions(input);
    this.current = o;
    this.nodeId = o.nodeId ?? `csms-${randomUUID().slice(0, 8)}`;
    const logger = o.logger ?? silentLogger;
    this.dispatcher = new Dispatcher(logger);
    for (const p of o.plugins) this.dispatcher.register(p);
    const spread = o.jitterRatio > 0 ? jitter(o.jitterRatio) : noJitter;
    const byIdentity = (id: string) => this.stations.get(id);
    this.system = createActor(
      fromTransition((state: null, event: { type: string; error?: unknown }) => {
        // Station actors relay their own failures here (XState's parent error event): never silent.
        if (event.type.startsWith('xstate.error.actor.')) {
          logger.error(
            { identity: event.type.slice('xstate.error.actor.'.length), err: event.error },
            'station actor failed',
          );
        }
        return state;
      }, null),
      { id: 'csms', ...(o.clock && { clock: o.clock }), ...(o.inspect && { inspect: o.inspect }) },
    );
    this.system.start();
    this.ownsBus = !o.bus;
    this.bus = o.bus ?? createMemoryBus({ nodeId: this.nodeId });

    this.runtime = {
      side: 'csms',
      dispatcher: this.dispatcher,
      handlers: this.handlers,
      logger,
      jitter: spread,
      strict: o.strict,
      callTimeoutMs: o.callTimeoutMs,
      handlerTimeoutMs: o.handlerTimeoutMs,
      maxQueuedCalls: o.maxQueuedCalls,
      maxInboundWaiting: o.maxInboundWaiting,
      backpressureBytes: o.backpressureBytes,
      exposeErrors: o.exposeErrors,
      logPayloads: o.logPayloads,
      stats: newRuntimeStats(),
      requireBoot: o.requireBoot,
      forgetAfterMs: o.forgetAfterMs,
      clock: o.clock,
      inspect: o.inspect,
      system: this.system,
      live: this.live,
      stationActors: stationActorTemplate(
        stationMachine.provide({
          actions: {
            notifyRegistered: ({ context }, change) => {
              const station = byIdentity(context.identity);
              if (!station) return;
              this.dispatcher.emit('registered', { station, status: change.status });
              // The machine records the boot after this action: ready() must read the new state.
              if (change.status === 'Accepted' && this.queues.mayHaveWork(station.identity))
                queueMicrotask(() => station.ready && this.queues.stationReady(station.identity));
            },
            forget: ({ context }) => {
              const station = byIdentity(context.identity);
              if (!station || station.connected) return;
              this.remembered.drop(context.identity);
              // Stopping an actor from inside its own transition is not allowed: after it.
              this.forget(station, 'expired', true);
            },
          },
        }),
      ),
      breakerMachine: o.breaker
        ? breakerMachine.provide({
            actions: {
              notifyBreakerChanged: ({ self }, change) => {
                this.dispatcher.emit('breakerChanged', { identity: self.id, ...change });
                if (change.to === 'closed') byIdentity(self.id)?.breakerClosed();
              },
            },
          })
        : undefined,
      breakerInput: o.breaker ? { ...o.breaker, jitter: spread } : {},
      ready: (station) => this.queues.stationReady(station.identity),
      gone: (station) => this.queues.stationGone(station.identity),
      remember: (station) => this.remembered.disconnected(station.identity, station),
      replayStateOf: (identity) => this.queues.stateOf(identity),
    };
    this.queues = new OfflineQueues(this.bus, byIdentity, this.dispatcher, logger, spread);
    this.remembered = new RememberedStations(
      () => this.current.maxKnownStations,
      (_identity, station) => this.forget(station, 'capacity', false),
    );

    this.upgradeOptions = {
      path: o.path,
      protocols: o.protocols,
      securityProfile: o.securityProfile,
      certificateIdentity: o.certificateIdentity ?? defaultCertificateIdentity,
      maxPayloadBytes: o.maxPayloadBytes,
      handshakeTimeoutMs: o.handshakeTimeoutMs,
      maxConnections: o.maxConnections,
      maxPendingHandshakes: o.maxPendingHandshakes,
      connectionRateLimit: o.connectionRateLimit,
      onNoCommonProtocol: o.onNoCommonProtocol,
      compression: o.compression,
      connectedCount: () => this.live.size,
      isClosing: () => this.closing,
      hasAuthorizer: () => this.current.auth !== undefined,
      authorize: async (req) => {
        const auth = this.current.auth;
        if (!auth) return true;
        const verdict = await auth(req);
        if (verdict === true) return true;
        if (verdict === 'unknown') return { status: 404, reason: 'unknown-station' };
        if (verdict === 'forbidden') return { status: 403, reason: 'forbidden' };
        return { status: 401, reason: 'bad-credentials' };
      },
      accepted: (ws, handshake) => this.accept(ws, handshake),
      socketError: (error, remoteAddress) =>
        this.dispatcher.emit('transportError', { station: undefined, error, remoteAddress }),
      pendingRefused: (reason, remoteAddress) =>
        this.dispatcher.emit('securityEvent', {
          type: reason === 'handshake-timeout' ? 'HANDSHAKE_TIMEOUT' : 'PENDING_HANDSHAKES_EXCEEDED',
          identity: undefined,
          remoteAddress,
          timestamp: new Date(),
          details: {
            reason,
            ...(reason === 'handshake-timeout'
              ? { handshakeTimeoutMs: this.upgradeOptions.handshakeTimeoutMs }
              : { maxPendingHandshakes: this.upgradeOptions.maxPendingHandshakes }),
          },
        }),
      rejected: (handshake, r) => {
        this.dispatcher.emit('authFailed', { handshake, status: r.status, reason: r.reason });
        if (r.status === 429)
          this.dispatcher.emit('rateLimitExceeded', { station: undefined, handshake, raw: undefined });
        if (r.status === 401 || r.status === 403 || r.status === 429 || r.reason === 'invalid-identity') {
          const certificate = 'certificate' in r ? r.certificate : undefined;
          this.dispatcher.emit('securityEvent', {
            type:
              r.status === 429
                ? 'RATE_LIMIT_EXCEEDED'
                : r.reason === 'invalid-identity'
                  ? 'INVALID_IDENTITY'
                  : r.reason === 'certificate-mismatch' || r.reason === 'certificate-required'
                    ? 'CERTIFICATE_REJECTED'
                    : 'AUTH_FAILED',
            identity: handshake.identity,
            remoteAddress: handshake.remoteAddress,
            timestamp: new Date(),
            details: { status: r.status, reason: r.reason, ...(certificate ? { certificate } : {}) },
          });
        }
      },
    };
    this.upgrade = new UpgradeHandler(this.upgradeOptions);
    this.keepalive = new Keepalive(this.live, o.pingIntervalMs, (station) =>
      this.dispatcher.emit('pongTimeout', { station }),
    );
  }

  /** The options in force (after defaults and any reconfigure). */
  get options(): ResolvedCsmsOptions {
    return this.current;
  }

  /**
   * Change options of a running CSMS without dropping anyone. Takes effect for the next frame,
   * call or handshake: timeouts, limits, strictness, logging, auth and subprotocol preference.
   * Options that shape existing sockets or actors (path, compression, bus, plugins, …) are refused.
   */
  reconfigure(next: ReconfigurableOptions): void {
    const unknown = Object.keys(next).filter((k) => !RECONFIGURABLE.has(k));
    if (unknown.length) throw new OptionsError(unknown.map((k) => `${k}: cannot be changed at run time`));
    const previous = this.current;
    const merged = resolveCsmsOptions({ ...previous, ...next } as CsmsOptions);
    this.current = merged;
    const rt = this.runtime as { -readonly [K in keyof CsmsRuntime]: CsmsRuntime[K] };
    rt.strict = merged.strict;
    rt.callTimeoutMs = merged.callTimeoutMs;
    rt.handlerTimeoutMs = merged.handlerTimeoutMs;
    rt.maxQueuedCalls = merged.maxQueuedCalls;
    rt.maxInboundWaiting = merged.maxInboundWaiting;
    rt.exposeErrors = merged.exposeErrors;
    rt.logPayloads = merged.logPayloads;
    rt.backpressureBytes = merged.backpressureBytes;
    const u = this.upgradeOptions;
    u.protocols = merged.protocols;
    u.maxConnections = merged.maxConnections;
    u.maxPendingHandshakes = merged.maxPendingHandshakes;
    if (u.handshakeTimeoutMs !== merged.handshakeTimeoutMs) {
      u.handshakeTimeoutMs = merged.handshakeTimeoutMs;
      this.upgrade.limitsChanged();
      for (const { server, owned } of this.servers)
        if (owned) applyHandshakeTimeouts(server, merged.handshakeTimeoutMs);
    }
    u.onNoCommonProtocol = merged.onNoCommonProtocol;
    u.certificateIdentity = merged.certificateIdentity ?? defaultCertificateIdentity;
    this.remembered.trim();
    this.dispatcher.emit('reconfigured', { next: merged, previous });
  }

  // --- handlers -----------------------------------------------------------------------------------
  /**
   * Handle CALLs of `action` from stations, for every version (`handle(action, fn)`) or for one
   * (`handle('ocpp1.6', action, fn)`); `'*'` catches every action without a handler of its own.
   * `NoInfer`: the handler is no inference site, so its return is checked against the response type of
   * the action already inferred and keeps its literal types (`status: 'Accepted'` without `as const`).
   */
  handle<A extends CsmsReceivable>(
    action: A,
    handler: NoInfer<Handler<AnyVersionRequest<A>, HandlerReply<AnyVersionResponse<A>>>>,
  ): this;
  handle<V extends OcppVersion, A extends CsmsReceivable<V>>(
    version: V,
    action: A,
    handler: NoInfer<Handler<RequestOf<V, A>, HandlerReply<ResponseOf<V, A>>>>,
  ): this;
  /** Every action without a handler of its own (vendor actions need `strict: false`). */
  handle(action: '*', handler: Handler): this;
  handle(a: string, b: unknown, c?: unknown): this {
    this.handlers.register(a, b, c);
    return this;
  }

  // --- stations -----------------------------------------------------------------------------------
  /** Send a CALL to a connected station; resolves with its CALLRESULT payload. */
  call<A extends StationHandled>(
    identity: string,
    action: A,
    payload: AnyVersionRequest<A>,
    options?: CallOptions,
  ): Promise<AnyVersionResponse<A>> {
    const station = this.stations.get(identity);
    if (!station?.connected) return Promise.reject(new StationNotConnectedError(identity));
    return station.call(action, payload as Payload, options) as Promise<AnyVersionResponse<A>>;
  }

  /**
   * Queue a command for a station, connected or not: it is kept on the bus (bounded per station;
   * a full queue rejects with QueueFullError) and sent one at a time once the station is connected
   * and Accepted. Each answer is reported as a `commandDelivered` event.
   */
  enqueue<A extends StationHandled>(
    identity: string,
    action: A,
    payload: AnyVersionRequest<A>,
    options: { ttlMs?: number; messageId?: string } = {},
  ): Promise<EnqueueAck> {
    return this.queues.enqueue(identity, { action, payload: payload as Payload, ...options });
  }

  /** Commands waiting in a station's offline queue. */
  offlineQueueSize(identity: string): Promise<number> {
    return this.bus.size(identity);
  }

  station(identity: string): StationSnapshot | undefined {
    return this.stations.get(identity)?.snapshot();
  }

  /** The live handle of a station this node knows (connected, or recently disconnected). */
  handleOf(identity: string): StationHandle | undefined {
    return this.stations.get(identity);
  }

  get connectedCount(): number {
    return this.live.size;
  }

  get knownCount(): number {
    return this.stations.size;
  }

  // --- events & plugins ---------------------------------------------------------------------------
  on<K extends CsmsEventName>(name: K, listener: (event: CsmsEventMap[K]) => void): () => void {
    return this.dispatcher.on(name, listener);
  }

  plugin(...plugins: OcppPlugin[]): this {
    for (const p of plugins) this.dispatcher.register(p);
    return this;
  }

  /** Prometheus text from the plugins' getCustomMetrics and the runtime's own gauges. */
  async metrics(): Promise<string> {
    const h = this.handshakeStats();
    const own = [
      `ocpp_stations_connected ${this.live.size}`,
      `ocpp_stations_known ${this.stations.size}`,
      `ocpp_handshakes_pending ${h.pendingHandshakes}`,
      `ocpp_handshakes_refused_total{reason="too-many-pending"} ${h.pendingHandshakesRefused}`,
      `ocpp_handshakes_refused_total{reason="handshake-timeout"} ${h.handshakeTimeouts}`,
      `ocpp_stations_forgotten_at_capacity_total ${h.stationsForgottenAtCapacity}`,
    ];
    return `${[...own, ...(await this.dispatcher.customMetrics())].join('\n')}\n`;
  }

  // --- transport ----------------------------------------------------------------------------------
  /**
   * Listen on a port of its own; resolves with the bound port (0 picks a free one). Profiles 2 and 3
   * listen with TLS (the `tls` option), 0 and 1 without.
   */
  async listen(options: ListenOptions = {}): Promise<{ port: number; host: string }> {
    const server = this.createServer();
    server.on('upgrade', this.upgrade.handle);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 9000, options.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    // Once listening, a server error is an accept failure (EMFILE when descriptors run out, say):
    // Node keeps listening, so report it rather than let the uncaught 'error' end the process.
    const onError = (error: Error) => this.dispatcher.emit('transportError', { station: undefined, error });
    server.on('error', onError);
    this.servers.push({ server, owned: true, unwatch: this.upgrade.watch(server), onError });
    const addr = server.address() as AddressInfo;
    await this.started(addr.port);
    return { port: addr.port, host: addr.address };
  }

  /**
   * Serve OCPP on an existing http/https server (its other routes stay yours, and so do its TLS
   * settings: profile 3 needs it to have `requestCert`; `updateTls` does not touch it).
   */
  async attach(server: HttpServer | HttpsServer): Promise<void> {
    const tls = server instanceof TlsServer;
    if (this.current.securityProfile === 3 && !tls)
      throw new OptionsError(['attach: security profile 3 needs an https server with requestCert']);
    const unwatchTls = tls ? watchTlsErrors(server, this.tlsEvents) : undefined;
    const unwatchPending = this.upgrade.watch(server);
    this.servers.push({
      server,
      owned: false,
      unwatch: () => {
        unwatchTls?.();
        unwatchPending();
      },
    });
    server.on('upgrade', this.upgrade.handle);
    const addr = server.address();
    await this.started(addr && typeof addr === 'object' ? addr.port : undefined);
  }

  /**
   * Swap the certificate, key, CA, CRL, ciphers or minimum version of the servers `listen()` started,
   * without dropping anyone: open connections keep their session, new handshakes get the new material.
   * Unchanged fields stay. A key that does not match its certificate throws and changes nothing.
   */
  updateTls(next: Partial<CsmsTlsOptions>): void {
    const previous = this.current;
    if (previous.securityProfile < 2)
      throw new OptionsError([`tls: security profile ${previous.securityProfile} has no TLS`]);
    const merged = resolveCsmsOptions({ ...previous, tls: { ...previous.tls, ...next } } as CsmsOptions);
    const problems = tlsProblems(merged.tls!);
    if (problems.length) throw new OptionsError(problems);
    const context = secureContextOptions(merged.tls!);
    for (const { server, owned } of this.servers) {
      if (owned && server instanceof TlsServer) server.setSecureContext(context);
    }
    this.current = merged;
    this.dispatcher.emit('tlsUpdated', { at: new Date() });
  }

  private createServer(): HttpServer | HttpsServer {
    const upgradeRequired: RequestListener = (_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' });
      res.end('OCPP-J: connect with a WebSocket to /<station identity>\n');
    };
    const o = this.current;
    if (o.securityProfile === 0 || o.securityProfile === 1)
      return createServer(handshakeTimeoutOptions(o.handshakeTimeoutMs), upgradeRequired);
    if (!o.tls)
      throw new OptionsError([`tls: security profile ${o.securityProfile} needs tls.cert and tls.key`]);
    const problems = tlsProblems(o.tls);
    if (problems.length) throw new OptionsError(problems);
    const warning = o.protocols.includes('ocpp1.6') ? rsa2048Warning(o.tls.cert) : undefined;
    if (warning) (o.logger ?? silentLogger).warn({}, warning);
    return createTlsServer(o.tls, o.securityProfile, o.handshakeTimeoutMs, upgradeRequired, this.tlsEvents);
  }

  private async started(port: number | undefined): Promise<void> {
    this.keepalive.start();
    if (this.options.telemetryIntervalMs > 0 && !this.telemetryTimer) {
      this.telemetryTimer = setInterval(() => this.pushTelemetry(), this.options.telemetryIntervalMs);
      this.telemetryTimer.unref();
    }
    await this.dispatcher.emitAndWait('init', { port });
  }

  private pushTelemetry(): void {
    this.dispatcher.emit('telemetry', {
      connectedStations: this.live.size,
      knownStations: this.stations.size,
      ...this.runtime.stats,
      ...this.handshakeStats(),
      uptimeMs: Date.now() - this.startedAt,
      memory: process.memoryUsage(),
    });
  }

  private handshakeStats() {
    const p = this.upgrade.pendingStats();
    return {
      pendingHandshakes: p.pending,
      pendingHandshakesRefused: p.tooManyPending,
      handshakeTimeouts: p.timedOut,
      stationsForgottenAtCapacity: this.remembered.forgottenAtCapacity,
    };
  }

  /** Drop a disconnected station's actor (and registration); `deferStop` inside its own transition. */
  private forget(station: StationActor, reason: 'expired' | 'capacity', deferStop: boolean): void {
    if (this.stations.get(station.identity) !== station) return;
    this.stations.delete(station.identity);
    if (deferStop) queueMicrotask(() => station.stop());
    else station.stop();
    this.dispatcher.emit('forgotten', { identity: station.identity, reason });
  }

  private accept(ws: WebSocket, h: AcceptedHandshake): void {
    const existing = this.stations.get(h.identity);
    if (existing) {
      this.remembered.drop(h.identity);
      const previous = {
        identity: existing.identity,
        protocol: existing.protocol,
        remoteAddress: existing.remoteAddress,
      };
      const evicted = existing.evict();
      existing.attach(ws, h.protocol, h.remoteAddress, true);
      if (evicted) this.dispatcher.emit('evicted', { station: previous, replacement: existing });
      return;
    }
    const station = new StationActor(this.runtime, h.identity, h.protocol, h.remoteAddress);
    this.stations.set(h.identity, station);
    station.attach(ws, h.protocol, h.remoteAddress, false);
  }

  /**
   * Graceful shutdown: refuse new connections, let running handlers finish (up to drainMs),
   * close every socket with 1001, stop every actor, then run onClose hooks.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.dispatcher.emitAndWait('closing', {});
    this.keepalive.stop();
    for (const s of this.live) s.pause();
    clearInterval(this.telemetryTimer);
    const deadline = Date.now() + (options.drainMs ?? 5_000);
    while (Date.now() < deadline && [...this.live].some((s) => s.handlingCalls > 0)) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all([...this.live].map((s) => s.close(1001, 'CSMS shutting down')));
    this.queues.stop();
    for (const s of this.stations.values()) s.stop();
    this.stations.clear();
    this.system.stop();
    if (this.ownsBus) await this.bus.close();
    this.upgrade.close();
    for (const { server, owned, unwatch, onError } of this.servers) {
      server.off('upgrade', this.upgrade.handle);
      unwatch();
      if (owned) await new Promise<void>((resolve) => server.close(() => resolve()));
      if (onError) server.off('error', onError);
    }
    await this.dispatcher.emitAndWait('closed', {});
  }
}

const RECONFIGURABLE = new Set([
  'strict',
  'callTimeoutMs',
  'handlerTimeoutMs',
  'maxQueuedCalls',
  'maxInboundWaiting',
  'exposeErrors',
  'logPayloads',
  'backpressureBytes',
  'protocols',
  'maxConnections',
  'maxPendingHandshakes',
  'maxKnownStations',
  'handshakeTimeoutMs',
  'onNoCommonProtocol',
  'auth',
  'certificateIdentity',
]);

export type ReconfigurableOptions = Partial<
  Pick<
    CsmsOptions,
    | 'strict'
    | 'callTimeoutMs'
    | 'handlerTimeoutMs'
    | 'maxQueuedCalls'
    | 'maxInboundWaiting'
    | 'exposeErrors'
    | 'logPayloads'
    | 'backpressureBytes'
    | 'protocols'
    | 'maxConnections'
    | 'maxPendingHandshakes'
    | 'maxKnownStations'
    | 'handshakeTimeoutMs'
    | 'onNoCommonProtocol'
    | 'auth'
    | 'certificateIdentity'
  >
>;

const stationActorTemplate = (machine: StationMachine) =>
  new ActorTemplate(machine, stationContext, { identity: 'template', protocol: 'ocpp1.6' });

export function createCsms(options: CsmsOptions = {}): Csms {
  return new Csms(options);
}
