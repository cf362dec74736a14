import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AnyActorRef } from 'xstate';
import { createMemoryBus } from '../bus/memory.js';
import type { Bus, EnqueueAck } from '../bus/types.js';
import { Dispatcher } from '../hooks/dispatcher.js';
import { CSMS_EVENT_NAMES } from '../hooks/event-names.js';
import type { CsmsEventMap, CsmsEventName, OcppPlugin } from '../hooks/types.js';
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
import { type Handler, HandlerTable } from '../rpc/handlers.js';
import { type CallOptions, pickRpcSettings, type RpcSettings } from '../rpc/runtime.js';
import type { StationHandle, StationSnapshot } from '../rpc/station-handle.js';
import { Keepalive } from '../transport/keepalive.js';
import type { CsmsTlsOptions } from '../transport/tls.js';
import { jitter, noJitter } from '../util/jitter.js';
import { silentLogger } from '../util/logger.js';
import { ClusterSeat, type SeatParts } from './cluster/seat.js';
import { csmsRuntime } from './csms-runtime.js';
import { CsmsServers } from './csms-servers.js';
import { OptionsError, StationNotConnectedError } from './errors.js';
import { reportExpiredCommands } from './expired-commands.js';
import {
  type CloseOptions,
  type CsmsOptions,
  clusterOptionsOf,
  type ListenOptions,
  type ResolvedCsmsOptions,
  resolveCsmsOptions,
} from './options.js';
import { pluginFacade } from './plugin-facade.js';
import { PluginHost } from './plugin-host.js';
import { notReconfigurable, type ReconfigurableOptions } from './reconfigure.js';
import { OfflineQueues } from './replay.js';
import { StationDirectory } from './station-directory.js';
import { type CsmsRuntime, drained, StationSession } from './station-session.js';
import { createStationSystem } from './system.js';

export type { CloseOptions, ListenOptions };

import { Telemetry } from './telemetry.js';
import { tlsUpdatedEvent } from './tls-settings.js';

/**
 * A CSMS: accepts station connections, keeps one actor per station, dispatches their CALLs to
 * handlers and sends calls to them. Create with `createCsms(options)`.
 */
export class Csms {
  private current: ResolvedCsmsOptions;
  readonly nodeId: string;
  private readonly dispatcher: Dispatcher;
  private readonly handlers = new HandlerTable();
  private readonly stations: StationDirectory;
  private readonly runtime: CsmsRuntime;
  private readonly keepalive: Keepalive<StationSession>;
  private readonly servers: CsmsServers;
  private closing = false;
  private readonly telemetry: Telemetry;
  /** The XState system every station actor joins; see CsmsRuntime.system. */
  private readonly system: AnyActorRef & { stop(): void };
  /** The cross-node bus; the embedded in-memory one unless `bus` was given. */
  readonly bus: Bus;
  private readonly ownsBus: boolean;
  private readonly queues: OfflineQueues;
  /** Calls waiting per station at most, set by a plugin (Infinity: only `maxQueuedCalls`). */
  private queuedCallsCap = Number.POSITIVE_INFINITY;
  /** This node's place in a cluster, on a cluster bus only (see cluster/seat.ts). */
  private readonly cluster: ClusterSeat | undefined;
  private stopExpiredReports: (() => void) | undefined;
  private readonly pluginHost: PluginHost;

  constructor(input: CsmsOptions = {}) {
    const o = resolveCsmsOptions(input);
    this.current = o;
    this.nodeId = o.nodeId ?? `csms-${randomUUID().slice(0, 8)}`;
    const logger = o.logger ?? silentLogger;
    this.dispatcher = new Dispatcher(logger, CSMS_EVENT_NAMES, o.hookTimeoutMs);
    const spread = o.jitterRatio > 0 ? jitter(o.jitterRatio) : noJitter;
    this.system = createStationSystem(logger, o.clock, o.inspect);
    this.ownsBus = !o.bus;
    this.bus = o.bus ?? createMemoryBus({ nodeId: this.nodeId });
    const clusterOptions = clusterOptionsOf(o, this.bus);
    this.cluster = clusterOptions && new ClusterSeat(this.seatParts(), clusterOptions);
    this.stations = new StationDirectory({
      dispatcher: this.dispatcher,
      nodeId: this.nodeId,
      create: (identity, protocol, address) => new StationSession(this.runtime, identity, protocol, address),
      maxKnownStations: () => this.current.maxKnownStations,
      dropped: (identity) => this.cluster?.forgotten(identity),
    });
    this.queues = new OfflineQueues(this.bus, (id) => this.stations.get(id), this.dispatcher, logger, spread);
    this.queues.flushDelayMs = o.replay.flushDelayMs;
    this.queues.maxAttempts = o.replay.maxAttempts;
    this.runtime = csmsRuntime({
      options: o,
      dispatcher: this.dispatcher,
      handlers: this.handlers,
      logger,
      jitter: spread,
      system: this.system,
      directory: this.stations,
      queues: this.queues,
      cluster: this.cluster,
    });
    this.pluginHost = new PluginHost({
      dispatcher: this.dispatcher,
      handlers: this.handlers,
      logger,
      bus: this.bus,
      csms: pluginFacade({
        nodeId: this.nodeId,
        runtime: this.runtime,
        system: this.system,
        live: this.stations.live,
        jitter: spread,
        station: (id) => this.stations.get(id),
        identities: () => this.stations.identities(),
        offlineQueueSize: (id) => this.bus.size(id),
        capQueuedCalls: (max) => {
          this.queuedCallsCap = Math.min(this.queuedCallsCap, max);
          this.applyQueuedCallsCap();
        },
        configureReplay: ({ flushDelayMs, maxAttempts }) => {
          if (flushDelayMs !== undefined) this.queues.flushDelayMs = flushDelayMs;
          if (maxAttempts !== undefined) this.queues.maxAttempts = maxAttempts;
        },
        call: (id, action, payload) => this.call(id, action as never, payload as never),
        enqueue: (id, action, payload, options) =>
          this.enqueue(id, action as never, payload as never, options),
      }),
      options: () => this.current,
    });
    for (const p of o.plugins) this.pluginHost.add(p);

    this.servers = new CsmsServers(o, {
      dispatcher: this.dispatcher,
      connectedCount: () => this.stations.live.size,
      isClosing: () => this.closing,
      auth: () => (this.cluster ? this.cluster.auth : this.current.auth),
      accepted: (ws, handshake) => this.stations.accept(ws, handshake),
    });
    this.telemetry = new Telemetry(
      {
        stats: this.runtime.stats,
        connected: () => this.stations.live.size,
        known: () => this.stations.knownCount,
        pendingHandshakes: () => this.servers.pendingStats(),
        forgottenAtCapacity: () => this.stations.forgottenAtCapacity,
        bus: () => this.bus.stats(),
      },
      this.dispatcher,
    );
    this.keepalive = new Keepalive(this.stations.live, o.pingIntervalMs, (station) =>
      this.dispatcher.emit('pongTimeout', { station: station.handle }),
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
    const refused = notReconfigurable(next);
    if (refused.length) throw new OptionsError(refused);
    const previous = this.current;
    const merged = resolveCsmsOptions({ ...previous, ...next } as CsmsOptions);
    this.current = merged;
    // In place: every endpoint reads these from the one runtime object at its next frame.
    Object.assign(this.runtime as RpcSettings, pickRpcSettings(merged));
    this.applyQueuedCallsCap();
    this.servers.reconfigured(merged);
    this.stations.trim();
    this.dispatcher.emit('reconfigured', { next: merged, previous });
  }

  /** A plugin's ceiling on calls waiting per station (circuitBreakerPlugin's maxConcurrent) over `maxQueuedCalls`. */
  private applyQueuedCallsCap(): void {
    const rt = this.runtime as RpcSettings;
    rt.maxQueuedCalls = Math.min(this.current.maxQueuedCalls, this.queuedCallsCap);
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
    const cluster = this.cluster;
    if (!cluster) this.handlers.register(a, b, c);
    else if (typeof b === 'function') this.handlers.register(a, cluster.wrap(a, b as Handler));
    else this.handlers.register(a, b, typeof c === 'function' ? cluster.wrap(b as string, c as Handler) : c);
    return this;
  }

  // --- stations -----------------------------------------------------------------------------------
  /**
   * Send a CALL to a connected station; resolves with its CALLRESULT payload. In a cluster, a station
   * connected to another node is reached through that node (same answer, same typed errors).
   */
  call<A extends StationHandled>(
    identity: string,
    action: A,
    payload: AnyVersionRequest<A>,
    options?: CallOptions,
  ): Promise<AnyVersionResponse<A>> {
    const station = this.stations.get(identity);
    if (!station?.connected) {
      if (this.cluster)
        return this.cluster.call(identity, action, payload as Payload, options ?? {}) as Promise<
          AnyVersionResponse<A>
        >;
      return Promise.reject(new StationNotConnectedError(identity));
    }
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
    const ack = this.queues.enqueue(identity, { action, payload: payload as Payload, ...options });
    return this.cluster ? this.cluster.enqueued(ack, identity) : ack;
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
    return this.stations.get(identity)?.handle;
  }

  get connectedCount(): number {
    return this.stations.live.size;
  }

  get knownCount(): number {
    return this.stations.knownCount;
  }

  // --- events & plugins ---------------------------------------------------------------------------
  on<K extends CsmsEventName>(name: K, listener: (event: CsmsEventMap[K]) => void): () => void {
    return this.dispatcher.on(name, listener);
  }

  /**
   * Register plugins: their hooks run by level (4, 3, 2, 1), then registration order. Throws
   * UnknownHookError for an `on*` name that is no hook, DuplicatePluginError for a name in use.
   */
  plugin(...plugins: OcppPlugin[]): this {
    for (const p of plugins) this.pluginHost.add(p);
    return this;
  }

  /** Remove a plugin by name: its hooks stop at once, then its teardown runs. False if none had it. */
  removePlugin(name: string): Promise<boolean> {
    return this.pluginHost.remove(name);
  }

  /** Plugin hook failures (throws, rejections, timeouts) per plugin name, since start. */
  pluginErrors(): ReadonlyMap<string, number> {
    return this.dispatcher.pluginErrors;
  }

  /** Prometheus text from the plugins' getCustomMetrics and the runtime's own gauges. */
  metrics(): Promise<string> {
    return this.telemetry.prometheus();
  }

  // --- transport ----------------------------------------------------------------------------------
  /**
   * Listen on a port of its own; resolves with the bound port (0 picks a free one). Profiles 2 and 3
   * listen with TLS (the `tls` option), 0 and 1 without.
   */
  async listen(options: ListenOptions = {}): Promise<{ port: number; host: string }> {
    const bound = await this.servers.listen(this.current, options.port ?? 9000, options.host ?? '0.0.0.0');
    await this.started(bound.port);
    return bound;
  }

  /**
   * Serve OCPP on an existing http/https server (its other routes stay yours, and so do its TLS
   * settings: profile 3 needs it to have `requestCert`; `updateTls` does not touch it).
   */
  async attach(server: HttpServer | HttpsServer): Promise<void> {
    await this.started(this.servers.attach(this.current, server));
  }

  /**
   * Swap the certificate, key, CA, CRL, ciphers or minimum version of the servers `listen()` started,
   * without dropping anyone: open connections keep their session, new handshakes get the new material.
   * Unchanged fields stay. A key that does not match its certificate throws and changes nothing.
   */
  updateTls(next: Partial<CsmsTlsOptions>): void {
    this.current = this.servers.updateTls(this.current, next);
    this.dispatcher.emit('tlsUpdated', tlsUpdatedEvent(this.current.tls!));
  }

  private async started(port: number | undefined): Promise<void> {
    this.stopExpiredReports ??= reportExpiredCommands(this.bus, this.dispatcher);
    await this.cluster?.start();
    this.keepalive.start();
    this.telemetry.start(this.current.telemetryIntervalMs);
    await this.pluginHost.start(port);
    await this.dispatcher.emitAndWait('init', { port });
  }

  /** What the cluster seat may use of this node. */
  private seatParts(): SeatParts {
    const connected = (identity: string) => this.stations.connected(identity);
    return {
      nodeId: this.nodeId,
      bus: this.bus,
      dispatcher: this.dispatcher,
      auth: () => this.current.auth,
      callTimeoutMs: () => this.current.callTimeoutMs,
      connected,
      isReady: (identity) => this.stations.get(identity)?.ready === true,
      flush: (identity) => this.queues.stationReady(identity),
    };
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
    const live = [...this.stations.live];
    for (const s of live) s.pause();
    this.telemetry.stop();
    await drained(live, options.drainMs ?? 5_000);
    await Promise.all([...this.stations.live].map((s) => s.close(1001, 'CSMS shutting down')));
    this.queues.stop();
    this.stopExpiredReports?.();
    await this.cluster?.stop();
    this.stations.stopAll();
    this.system.stop();
    if (this.ownsBus) await this.bus.close();
    await this.servers.close();
    await this.dispatcher.emitAndWait('closed', {});
    await this.pluginHost.close();
  }
}

export type { ReconfigurableOptions };

export function createCsms(options: CsmsOptions = {}): Csms {
  return new Csms(options);
}

/** @internal For tests that check a station's machine against a model: the session behind a handle. */
export function sessionOf(csms: Csms, identity: string): StationSession | undefined {
  return (csms as unknown as { stations: StationDirectory }).stations.get(identity);
}
