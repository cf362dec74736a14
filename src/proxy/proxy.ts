import { EventEmitter } from 'node:events';
import { createStation, type Station, type StationOptions } from '../client/index.js';
import { isOcppVersion, type OcppVersion } from '../protocol/versions.js';
import {
  InMemorySessionStore,
  type ISessionStore,
  type OCPPMessage,
  type ProxyMiddleware,
  type TranslationContext,
  TranslationEngine,
  type TranslationMap,
} from '../translation/index.js';
import { DEFAULT_TURN_BUDGET } from '../util/turn-budget.js';
import { FINAL_REFUSALS, openUpstream } from './admission.js';
import { ProxyLink } from './link.js';
import { TurnGate } from './turn-gate.js';
import type { AdmissionRequest, AdmissionVerdict, IConnection, ITransportAdapter } from './types.js';

/** Options of each upstream station client, beyond what the proxy sets (url, identity, protocol, password). */
export type UpstreamClientOptions = Omit<StationOptions, 'url' | 'identity' | 'protocols' | 'password'>;

export interface OCPPProtocolProxyOptions {
  /** The CSMS's WebSocket URL; each station's identity is appended, as the station itself would. */
  upstreamEndpoint: string;
  /** The OCPP version the CSMS speaks; the upstream legs offer only this one. */
  upstreamProtocol: OcppVersion;
  /** Where transaction mappings and the like live (default: InMemorySessionStore, one process). */
  sessionStore?: ISessionStore;
  middlewares?: ProxyMiddleware[];
  /** Settings of the upstream station clients: TLS to the CSMS, timeouts, reconnect back-off, offline queue. */
  upstream?: UpstreamClientOptions;
  /**
   * Per station: extra upstream client settings, merged over `upstream` (e.g. each station's own
   * client certificate for a profile-3 CSMS). Called once per upstream leg.
   */
  upstreamFor?: (station: { identity: string; protocol: string }) => UpstreamClientOptions | undefined;
  /** The station's handshake waits for its upstream leg (adapters with a handshake: CsmsAdapter). */
  admission?: AdmissionOptions;
  /**
   * Station CALLs the proxy starts forwarding per turn of the event loop, over all stations (default
   * 64); the others wait, in the order they came, for the next turns. Only a saturated proxy ever
   * reaches it: it keeps each turn short, so calls are answered within milliseconds of being started
   * and their objects die young (measured: ~20 % less CPU per proxied call at saturation). A call
   * whose time limit passed or whose station left while it waited is never forwarded. 0: no budget.
   */
  callsPerTurn?: number;
}

export interface AdmissionOptions {
  /**
   * How long a station's handshake waits for the CSMS to accept or refuse its upstream leg (default
   * 5,000 ms). Keep it below the adapter's `handshakeTimeoutMs` (10 s by default), or the station is
   * cut with 503 first.
   */
  timeoutMs?: number;
  /**
   * The CSMS unreachable, refusing with another status (5xx, 429) or silent past `timeoutMs`:
   * 'accept' (default) accepts the station and keeps retrying the upstream leg (its calls wait in the
   * leg's offline queue, as before any handshake check); 'refuse' refuses the station with 503.
   */
  whenUpstreamDown?: 'accept' | 'refuse';
}

/** Thrown to the adapter when the CSMS is down and `admission.whenUpstreamDown` is 'refuse' (503). */
export class UpstreamUnavailableError extends Error {
  override readonly name = 'UpstreamUnavailableError';
  constructor(
    readonly identity: string,
    override readonly cause: Error,
  ) {
    super(`the CSMS is unavailable for ${identity}: ${cause.message}`);
  }
}

const DEFAULT_ADMISSION_TIMEOUT_MS = 5_000;
/** An upstream leg opened at a handshake whose station connection never followed is closed after this. */
const ADMITTED_UNCLAIMED_MS = 15_000;

/** The proxy's events (none is named `error`: with no listener, nothing throws). */
export interface ProxyEventMap {
  connection: [identity: string, protocol: string];
  disconnect: [identity: string];
  /** A mapper threw or produced something unsendable; the sender got InternalError. */
  translationError: [error: Error, message: OCPPMessage, context: TranslationContext];
  /** A middleware threw; the sender got a CALLERROR with the rejection's code. */
  middlewareError: [error: Error, message: OCPPMessage, context: TranslationContext];
  /**
   * A leg failed outside translation: a call the other side never answered (timeout, offline queue full),
   * the CSMS refusing the upstream connection (HTTP 401/403/404: the station is disconnected), a call of
   * the proxy's own refused.
   */
  upstreamError: [error: Error, identity: string];
}

/**
 * The protocol proxy (the seed's `OCPPProtocolProxy`): stations of one OCPP version connect to it
 * through an adapter, and each gets a station client of its own to the CSMS in `upstreamProtocol`,
 * with the same identity (and password). Every message goes through the translation engine.
 */
export class OCPPProtocolProxy extends EventEmitter<ProxyEventMap> {
  readonly options: OCPPProtocolProxyOptions;
  readonly sessionStore: ISessionStore;
  private readonly maps: TranslationMap[] = [];
  /** One engine per station version; they share the store, so correlation survives a version change. */
  private readonly engines = new Map<OcppVersion, TranslationEngine>();
  private readonly adapters: ITransportAdapter[] = [];
  private readonly links = new Map<string, ProxyLink>();
  /** Upstream legs opened during a station's handshake, waiting for its connection. */
  private readonly admitted = new Map<string, { upstream: Station; timer: ReturnType<typeof setTimeout> }>();
  private closing = false;
  private readonly gate: TurnGate;

  constructor(options: OCPPProtocolProxyOptions) {
    super();
    if (!isOcppVersion(options.upstreamProtocol))
      throw new TypeError(`upstreamProtocol: ${String(options.upstreamProtocol)} is no OCPP version`);
    this.options = options;
    this.sessionStore = options.sessionStore ?? new InMemorySessionStore();
    this.gate = new TurnGate(options.callsPerTurn ?? DEFAULT_TURN_BUDGET);
  }

  /**
   * Register a translation map (a preset, your overrides): once per preset, later maps winning per key.
   * A map whose upstream keys name one station version applies to stations of that version only.
   */
  translate(map: TranslationMap): this {
    this.maps.push(map);
    const version = stationVersionOf(map, this.options.upstreamProtocol);
    for (const [v, engine] of this.engines) if (!version || version === v) engine.translate(map);
    return this;
  }

  async listenOnAdapter(adapter: ITransportAdapter): Promise<void> {
    this.adapters.push(adapter);
    await adapter.listen(
      (connection) => this.connected(connection),
      (request) => this.admit(request),
    );
  }

  /** Stations connected now. */
  get connections(): number {
    return this.links.size;
  }

  /** The seed's order: disconnect every station, close the adapters, release the session store. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await Promise.all(
      [...this.links.values()].map(async (link) => {
        await link.station.close?.();
        await this.disconnected(link);
      }),
    );
    await Promise.all(this.adapters.map((a) => a.close()));
    await Promise.all([...this.admitted.keys()].map((identity) => this.dropAdmitted(identity)));
    await this.sessionStore.close?.();
  }

  private engineFor(version: OcppVersion): TranslationEngine {
    let engine = this.engines.get(version);
    if (!engine) {
      engine = new TranslationEngine({
        stationProtocol: version,
        upstreamProtocol: this.options.upstreamProtocol,
        sessionStore: this.sessionStore,
        middlewares: this.options.middlewares,
        onTranslationError: (e, m, c) => this.emit('translationError', e, m, c),
        onMiddlewareError: (e, m, c) => this.emit('middlewareError', e, m, c),
      });
      for (const map of this.maps) {
        const v = stationVersionOf(map, this.options.upstreamProtocol);
        if (!v || v === version) engine.translate(map);
      }
      this.engines.set(version, engine);
    }
    return engine;
  }

  private connected(connection: IConnection): void {
    const { identity, protocol } = connection;
    if (this.closing || !isOcppVersion(protocol)) {
      void connection.close?.();
      return;
    }
    // A newer connection of the same station replaces the older one and its upstream leg.
    const previous = this.links.get(identity);
    if (previous) void this.disconnected(previous);
    const admitted = this.admitted.get(identity);
    if (admitted) {
      clearTimeout(admitted.timer);
      this.admitted.delete(identity);
    }
    const upstream =
      admitted?.upstream ?? this.upstreamFor(connection.identity, protocol, connection.password);
    const link = new ProxyLink(connection, upstream, this.engineFor(protocol), this.gate, {
      upstreamError: (e, id) => this.emit('upstreamError', e, id),
    });
    this.links.set(identity, link);
    connection.onClose(() => void this.disconnected(link));
    upstream.on('connectFailed', ({ status, error }) => {
      if (status === undefined || !FINAL_REFUSALS.has(status)) return;
      this.emit('upstreamError', error, identity);
      void connection.close?.();
    });
    // Calls wait in the client's offline queue until it is connected; it retries until closed.
    upstream.connect().catch(() => {});
    this.emit('connection', identity, protocol);
  }

  /**
   * The adapter asks during a station's handshake: open its upstream leg with the station's identity and
   * password now, and answer with the CSMS's verdict, so a wrong password is refused at the handshake
   * with the CSMS's own status instead of accepted and cut later. Costs the station one upstream
   * handshake of latency; bounded by `admission.timeoutMs`.
   */
  private async admit(request: AdmissionRequest): Promise<AdmissionVerdict> {
    const { identity, protocol } = request;
    if (this.closing) throw new Error('the proxy is closing');
    const upstream = this.upstreamFor(identity, protocol, request.password);
    const a = this.options.admission ?? {};
    const opening = await openUpstream(upstream, a.timeoutMs ?? DEFAULT_ADMISSION_TIMEOUT_MS);
    if (opening.kind === 'refused' || (opening.kind === 'down' && a.whenUpstreamDown === 'refuse')) {
      await upstream.close(1000, 'station refused');
      this.emit('upstreamError', opening.error, identity);
      if (opening.kind === 'refused') return { status: opening.status };
      throw new UpstreamUnavailableError(identity, opening.error);
    }
    if (this.closing) {
      await upstream.close(1000, 'proxy closing');
      throw new Error('the proxy is closing');
    }
    // A second handshake of the same station overtook this one: the newer leg wins.
    await this.dropAdmitted(identity);
    const timer = setTimeout(() => void this.dropAdmitted(identity, upstream), ADMITTED_UNCLAIMED_MS);
    timer.unref?.();
    this.admitted.set(identity, { upstream, timer });
    return true;
  }

  private async dropAdmitted(identity: string, only?: Station): Promise<void> {
    const entry = this.admitted.get(identity);
    if (!entry || (only && entry.upstream !== only)) return;
    clearTimeout(entry.timer);
    this.admitted.delete(identity);
    await entry.upstream.close(1000, 'station connection never came');
  }

  private upstreamFor(
    identity: string,
    protocol: string,
    password: string | Uint8Array | undefined,
  ): Station {
    return createStation({
      ...this.options.upstream,
      ...this.options.upstreamFor?.({ identity, protocol }),
      url: this.options.upstreamEndpoint,
      identity,
      protocols: [this.options.upstreamProtocol],
      password: password === undefined || typeof password === 'string' ? password : Buffer.from(password),
    });
  }

  private async disconnected(link: ProxyLink): Promise<void> {
    if (this.links.get(link.identity) === link) this.links.delete(link.identity);
    if (link.isClosed) return;
    const closed = link.close();
    this.emit('disconnect', link.identity);
    await closed;
  }
}

/**
 * The station version a map is for: the version of its upstream keys and of its response keys that are
 * not the CSMS's. Undefined when it names none or several (the map then applies to every station).
 */
function stationVersionOf(map: TranslationMap, upstream: OcppVersion): OcppVersion | undefined {
  const versions = new Set<string>();
  for (const k of Object.keys(map.upstream ?? {})) versions.add(k.slice(0, k.indexOf(':')));
  for (const k of Object.keys(map.responses ?? {})) {
    const v = k.slice(0, k.indexOf(':'));
    if (v !== upstream) versions.add(v);
  }
  if (versions.size !== 1) return undefined;
  const [v] = versions;
  return v !== undefined && isOcppVersion(v) ? v : undefined;
}
