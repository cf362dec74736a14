/**
 * Sockets that have not finished the WebSocket upgrade, bounded in number and in time.
 *
 * Node's own limits do not cover them: its header timeout is checked every 30 s and starts only once
 * a request begins, the TLS `handshakeTimeout` is an idle timer that a byte a second keeps alive, and
 * `maxConnections` and the per-address rate limit see only completed upgrade requests. Without this,
 * a few thousand silent or trickling sockets exhaust the descriptors every station needs.
 *
 * A socket is counted from the moment the server accepts it (for TLS: the raw TCP socket, then the TLS
 * socket, keeping the first deadline) until it upgrades, sends a complete plain-HTTP request (then it
 * is the HTTP server's, e.g. the 426 answer or the routes of an attached server), or closes.
 */
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type TLSSocket, Server as TlsServer } from 'node:tls';

export type PendingRefusal = 'too-many-pending' | 'handshake-timeout';

export interface PendingHandshakeLimits {
  /** Whole handshake, TCP accept to upgrade; 0 disables the deadline. */
  readonly timeoutMs: number;
  /** Sockets not yet upgraded, at most; the next one is closed at once. */
  readonly max: number;
}

export interface PendingHandshakeEvents {
  refused(reason: PendingRefusal, socket: Duplex): void;
}

const TIMED_OUT = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

export class PendingHandshakes {
  /** Socket -> when it was accepted. A scan of at most `max` entries per sweep: no per-socket timer. */
  private readonly since = new Map<Duplex, number>();
  /**
   * TLS: raw sockets by peer, until their TLS socket appears. Node exposes no public link between the
   * two; the peer's address and port identify a TCP connection to this server.
   */
  private readonly rawByPeer = new Map<string, Socket>();
  private timer: NodeJS.Timeout | undefined;
  private readonly onClose: (this: Duplex) => void;
  private readonly onRawClose: (this: Socket) => void;
  /** Sockets refused by the cap or cut by the deadline since start. */
  readonly refusals = { tooManyPending: 0, timedOut: 0 };

  constructor(
    private readonly limits: () => PendingHandshakeLimits,
    private readonly events: PendingHandshakeEvents,
  ) {
    const since = this.since;
    const rawByPeer = this.rawByPeer;
    // One listener function for every socket, not a closure each.
    this.onClose = function (this: Duplex) {
      since.delete(this);
    };
    this.onRawClose = function (this: Socket) {
      since.delete(this);
      const key = peerKey(this);
      if (key && rawByPeer.get(key) === this) rawByPeer.delete(key);
    };
  }

  get size(): number {
    return this.since.size;
  }

  /**
   * Count the sockets `server` accepts from now on. Returns the function that stops watching it.
   * The server's own HTTP timeouts are not touched: that is `applyServerTimeouts`, for servers we own.
   */
  watch(server: HttpServer | TlsServer): () => void {
    const tls = server instanceof TlsServer;
    const onConnection = (socket: Socket) => {
      if (!this.admit(socket, Date.now())) return;
      if (tls) {
        const key = peerKey(socket);
        if (key) this.rawByPeer.set(key, socket);
        socket.once('close', this.onRawClose);
      } else socket.once('close', this.onClose);
    };
    const onSecure = (socket: TLSSocket) => {
      const key = peerKey(socket);
      const raw = key ? this.rawByPeer.get(key) : undefined;
      if (!raw) return; // accepted before we watched, or already refused
      this.rawByPeer.delete(key!);
      const started = this.since.get(raw);
      this.since.delete(raw);
      if (started === undefined) return;
      this.since.set(socket, started);
      socket.once('close', this.onClose);
    };
    const onRequest = (request: IncomingMessage) => this.settled(request.socket);
    server.on('connection', onConnection);
    if (tls) server.on('secureConnection', onSecure);
    server.on('request', onRequest);
    this.start();
    return () => {
      server.off('connection', onConnection);
      if (tls) server.off('secureConnection', onSecure);
      server.off('request', onRequest);
    };
  }

  /** The socket upgraded (or is otherwise no longer a handshake): stop counting it. */
  settled(socket: Duplex): void {
    if (this.since.delete(socket)) socket.off('close', this.onClose);
  }

  private admit(socket: Duplex, now: number): boolean {
    if (this.since.size >= this.limits().max) {
      this.refusals.tooManyPending++;
      socket.destroy();
      this.events.refused('too-many-pending', socket);
      return false;
    }
    this.since.set(socket, now);
    return true;
  }

  private start(): void {
    if (this.timer) return;
    // A tenth of the deadline: a socket is cut at most 10 % late. Read once; reconfigure restarts it.
    const { timeoutMs } = this.limits();
    if (timeoutMs <= 0) return;
    this.timer = setInterval(() => this.sweep(), Math.min(1_000, Math.max(20, Math.floor(timeoutMs / 10))));
    this.timer.unref();
  }

  /** After `handshakeTimeoutMs` changed. */
  restart(): void {
    this.stop();
    this.start();
  }

  sweep(now = Date.now()): void {
    const { timeoutMs } = this.limits();
    if (timeoutMs <= 0) return;
    const cutoff = now - timeoutMs;
    for (const [socket, started] of this.since) {
      if (started > cutoff) continue;
      this.since.delete(socket);
      this.refusals.timedOut++;
      const key = peerKey(socket as Socket);
      const raw = key !== undefined && this.rawByPeer.get(key) === socket;
      if (raw) this.rawByPeer.delete(key);
      // A socket that may have sent part of a request gets the HTTP answer (best effort); a raw socket
      // still in its TLS handshake would read plain text as noise.
      else if (socket.writable) socket.write(TIMED_OUT);
      socket.destroy();
      this.events.refused('handshake-timeout', socket);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

function peerKey(socket: Socket): string | undefined {
  const address = socket.remoteAddress;
  return address === undefined ? undefined : `${address}|${socket.remotePort}`;
}
