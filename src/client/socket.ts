import WebSocket from 'ws';
import type { ResolvedStationOptions } from './options.js';

/** The connection URL: the CSMS endpoint + `/` + the percent-encoded identity (OCPP-J §3.1.1). */
export function stationUrl(base: string, identity: string): string {
  return `${base.replace(/\/+$/, '')}/${encodeURIComponent(identity)}`;
}

/** HTTP Basic with the identity as user; the password stays bytes (the 1.6 AuthorizationKey may be binary). */
export function basicAuthorization(identity: string, password: string | Buffer): string {
  const secret = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  return `Basic ${Buffer.concat([Buffer.from(`${identity}:`, 'utf8'), secret]).toString('base64')}`;
}

/** Start the upgrade, offering the subprotocols in order of preference. Throws on a malformed URL. */
export function openSocket(o: ResolvedStationOptions): { url: string; ws: WebSocket } {
  const url = stationUrl(o.url, o.identity);
  const headers: Record<string, string> = {};
  if (o.password !== undefined) headers.Authorization = basicAuthorization(o.identity, o.password);
  const ws = new WebSocket(url, [...o.protocols], {
    headers,
    handshakeTimeout: o.handshakeTimeoutMs,
    perMessageDeflate: o.compression,
    // A redirect would send the Basic credentials to whoever it points at.
    followRedirects: false,
    // OCPP needs TLS 1.2 at least; Node's default minimum is that too, unless lowered (--tls-min-v1.0).
    ...(/^wss:/i.test(url) ? { minVersion: 'TLSv1.2' as const } : {}),
    ...o.tls,
  });
  return { url, ws };
}

/** The HTTP status of a refused upgrade, from `ws`'s error message (it has no field for it). */
export function handshakeStatus(error: Error): number | undefined {
  const m = /Unexpected server response: (\d+)/.exec(error.message);
  return m ? Number(m[1]) : undefined;
}

/**
 * WebSocketPingInterval: a ping per interval; if neither its pong nor any other traffic has arrived by
 * the next one, the link is dead. 0 sends no pings (the CSMS's pings are answered by `ws` itself).
 */
export class Pinger {
  private timer: NodeJS.Timeout | undefined;
  private alive = true;
  private awaitingPong = false;

  constructor(
    private readonly intervalMs: number,
    private readonly dead: (ws: WebSocket) => void,
  ) {}

  start(ws: WebSocket): void {
    this.stop();
    if (this.intervalMs <= 0) return;
    this.seen();
    ws.on('pong', () => this.seen());
    this.timer = setInterval(() => {
      if (this.awaitingPong && !this.alive) {
        this.stop();
        this.dead(ws);
        return;
      }
      this.alive = false;
      this.awaitingPong = true;
      ws.ping();
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Traffic from the CSMS proves the link as well as a pong does. */
  seen(): void {
    this.alive = true;
    this.awaitingPong = false;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
