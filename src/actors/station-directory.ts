import type WebSocket from 'ws';
import type { Dispatcher } from '../hooks/dispatcher.js';
import type { CsmsEventMap } from '../hooks/types.js';
import type { OcppVersion } from '../protocol/versions.js';
import type { AcceptedHandshake } from '../transport/upgrade.js';
import { RememberedStations } from './remembered-stations.js';
import type { StationSession } from './station-session.js';

export interface DirectoryParts {
  readonly dispatcher: Dispatcher<CsmsEventMap>;
  /** This node's id: the `evicted` event's `replacement.node`. */
  readonly nodeId: string;
  /** A session for a station new to this node. */
  create(identity: string, protocol: OcppVersion, remoteAddress: string | undefined): StationSession;
  /** The bound on remembered (disconnected) stations, read at each disconnect: it is reconfigurable. */
  maxKnownStations(): number;
  /** A station left this node's memory (the cluster releases its claim). */
  dropped?(identity: string): void;
}

/**
 * The stations this node knows: every session by identity, the connected ones, and the disconnected ones
 * kept for a reconnect (least recently seen forgotten first beyond `maxKnownStations`). A station is in
 * `sessions` from its first accepted handshake until it is forgotten; in `live` while it has a socket.
 */
export class StationDirectory {
  private readonly sessions = new Map<string, StationSession>();
  /** Sockets this node holds (the keepalive sweeps them; the runtime adds and removes). */
  readonly live = new Set<StationSession>();
  private readonly remembered: RememberedStations<StationSession>;

  constructor(private readonly parts: DirectoryParts) {
    this.remembered = new RememberedStations(parts.maxKnownStations, (_identity, station) =>
      this.forget(station, 'capacity', false),
    );
  }

  get(identity: string): StationSession | undefined {
    return this.sessions.get(identity);
  }

  /** The session of `identity` when it has a socket on this node. */
  connected(identity: string): StationSession | undefined {
    const station = this.sessions.get(identity);
    return station?.connected ? station : undefined;
  }

  get knownCount(): number {
    return this.sessions.size;
  }

  get forgottenAtCapacity(): number {
    return this.remembered.forgottenAtCapacity;
  }

  /** A handshake was accepted: a new session, or the known one re-bound (evicting an older socket). */
  accept(ws: WebSocket, h: AcceptedHandshake): void {
    const existing = this.sessions.get(h.identity);
    if (!existing) {
      const station = this.parts.create(h.identity, h.protocol, h.remoteAddress);
      this.sessions.set(h.identity, station);
      station.attach(ws, h.protocol, h.remoteAddress, false);
      return;
    }
    this.remembered.drop(h.identity);
    const previous = {
      identity: existing.identity,
      protocol: existing.protocol,
      remoteAddress: existing.remoteAddress,
    };
    const evicted = existing.evict();
    existing.attach(ws, h.protocol, h.remoteAddress, true);
    if (evicted) {
      const replacement = { identity: h.identity, protocol: h.protocol, remoteAddress: h.remoteAddress };
      this.parts.dispatcher.emit('evicted', {
        station: previous,
        replacement: { ...replacement, node: this.parts.nodeId },
      });
    }
  }

  /** After the `disconnected` event: the station joins the remembered (bounded) ones. */
  disconnected(station: StationSession): void {
    this.remembered.disconnected(station.identity, station);
  }

  /** The station machine's forget timer ran out (inside its own transition: the actor stops after it). */
  expired(station: StationSession): void {
    if (station.connected) return;
    this.remembered.drop(station.identity);
    this.forget(station, 'expired', true);
  }

  /** After `maxKnownStations` changed. */
  trim(): void {
    this.remembered.trim();
  }

  /** Stop every actor and forget every station (at close; no `forgotten` events). */
  stopAll(): void {
    for (const s of this.sessions.values()) s.stop();
    this.sessions.clear();
  }

  private forget(station: StationSession, reason: 'expired' | 'capacity', deferStop: boolean): void {
    if (this.sessions.get(station.identity) !== station) return;
    this.sessions.delete(station.identity);
    this.parts.dropped?.(station.identity);
    // Stopping an actor from inside its own transition is not allowed: after it.
    if (deferStop) queueMicrotask(() => station.stop());
    else station.stop();
    this.parts.dispatcher.emit('forgotten', { identity: station.identity, reason });
  }
}
