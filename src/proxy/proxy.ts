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
import { ProxyLink } from './link.js';
import type { IConnection, ITransportAdapter } from './types.js';

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
}

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

/** Refusals of the upstream handshake that retrying with the same identity and password cannot fix. */
const FINAL_REFUSALS = new Set([401, 403, 404]);

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
  private closing = false;

  constructor(options: OCPPProtocolProxyOptions) {
    super();
    if (!isOcppVersion(options.upstreamProtocol))
      throw new TypeError(`upstreamProtocol: ${String(options.upstreamProtocol)} is no OCPP version`);
    this.options = options;
    this.sessionStore = options.sessionStore ?? new InMemorySessionStore();
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
    await adapter.listen((connection) => this.connected(connection));
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
    const upstream = this.upstreamFor(connection);
    const link = new ProxyLink(connection, upstream, this.engineFor(protocol), {
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

  private upstreamFor(connection: IConnection): Station {
    const password = connection.password;
    return createStation({
      ...this.options.upstream,
      url: this.options.upstreamEndpoint,
      identity: connection.identity,
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
