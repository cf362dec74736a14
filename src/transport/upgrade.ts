import { type Server as HttpServer, type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { PeerCertificate, Server as TlsServer } from 'node:tls';
import { type WebSocket, WebSocketServer } from 'ws';
import type { OcppVersion } from '../protocol/versions.js';
import {
  basicCredentials,
  type HandshakeInfo,
  type HandshakeRejection,
  identityAllowed,
  identityFromPath,
  negotiateProtocol,
  parseProtocolHeader,
} from './handshake.js';
import { PendingHandshakes, type PendingRefusal } from './pending-handshakes.js';
import { AddressRateLimiter } from './rate-limit.js';
import { type CertificateIdentity, checkClientCertificate } from './tls.js';
import { upgradeRequestProblem } from './upgrade-request.js';

export interface AcceptedHandshake {
  readonly identity: string;
  readonly protocol: OcppVersion;
  readonly remoteAddress: string | undefined;
  readonly request: IncomingMessage;
}

export type AuthVerdict = true | HandshakeRejection;

/**
 * The subprotocol we chose, carried on the request to ws's handleProtocols callback. A property
 * rather than a WeakMap: one ephemeron per handshake is GC work a plain field does not cost.
 */
const CHOSEN = Symbol('ocpp.chosenProtocol');
type Negotiated = IncomingMessage & { [CHOSEN]?: OcppVersion };

/** A handshake that passed every check needing no I/O. */
interface Checked {
  identity: string;
  protocol: OcppVersion;
  offered: readonly string[];
  password: Buffer | undefined;
  certificate: PeerCertificate | undefined;
}

export interface UpgradeOptions {
  path: string;
  protocols: readonly OcppVersion[];
  securityProfile: 0 | 1 | 2 | 3;
  /** Profile 3: binds the client certificate to the identity in the URL. */
  certificateIdentity: CertificateIdentity;
  maxPayloadBytes: number;
  handshakeTimeoutMs: number;
  maxConnections: number;
  /** Sockets accepted but not yet upgraded, at most (see PendingHandshakes). */
  maxPendingHandshakes: number;
  connectionRateLimit: false | { burst: number; perSecond: number };
  onNoCommonProtocol: 'close' | 'reject';
  compression: boolean | { threshold: number; serverNoContextTakeover: boolean };
  /** Number of stations currently connected. */
  connectedCount(): number;
  isClosing(): boolean;
  /** False when no auth callback is configured: the handshake then skips the timed authorize step. */
  hasAuthorizer(): boolean;
  authorize(info: {
    identity: string;
    protocol: OcppVersion;
    password: Buffer | undefined;
    certificate: PeerCertificate | undefined;
    remoteAddress: string | undefined;
    request: IncomingMessage;
  }): Promise<AuthVerdict>;
  accepted(ws: WebSocket, handshake: AcceptedHandshake): void;
  /** A policy gate before any credential work (plugins' onHandshake): a refusal, or undefined to go on. */
  admit?(info: HandshakeInfo): { status: 403 | 429 | 503; reason: string } | undefined;
  /** A socket failed (a reset, say) before ws took it over: reported, never thrown. */
  socketError(error: Error, remoteAddress: string | undefined): void;
  /** A socket closed before its upgrade request: too many pending, or past the handshake deadline. */
  pendingRefused(reason: PendingRefusal, remoteAddress: string | undefined): void;
  rejected(
    info: HandshakeInfo,
    rejection: HandshakeRejection | { status: 101; reason: 'no-common-protocol' },
  ): void;
}

/**
 * The HTTP upgrade of an OCPP-J station, checked in this order: closing (503), rate (429),
 * capacity (503), path (404), subprotocol, identity (400), credentials: Basic (401) for profiles 1-2,
 * client certificate (403) for profile 3, then `authorize` (401/403/404). Every refusal
 * is an HTTP status and an event; nothing reaches a station actor before all checks pass.
 */
export class UpgradeHandler {
  readonly wss: WebSocketServer;
  private readonly limiter: AddressRateLimiter | undefined;
  private readonly pending: PendingHandshakes;
  /**
   * On every socket from the 'upgrade' event until ws owns it (ws then keeps a handler of its own for
   * the socket's life). Node removes its HTTP parser's error handler before the upgrade event: without
   * this, a reset while we answer a refusal or wait for `auth` is an uncaught error that ends the process.
   * One function for all sockets, `this` being the socket.
   */
  private readonly onSocketError: (this: Duplex, error: Error) => void;

  constructor(private readonly opts: UpgradeOptions) {
    this.onSocketError = function (this: Duplex, error: Error) {
      opts.socketError(error, (this as Duplex & { remoteAddress?: string }).remoteAddress);
    };
    this.pending = new PendingHandshakes(
      () => ({ timeoutMs: opts.handshakeTimeoutMs, max: opts.maxPendingHandshakes }),
      {
        refused: (reason, socket) =>
          opts.pendingRefused(reason, (socket as Duplex & { remoteAddress?: string }).remoteAddress),
      },
    );
    const c = opts.compression;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: opts.maxPayloadBytes,
      handleProtocols: (_offered, req) => (req as Negotiated)[CHOSEN] ?? false,
      perMessageDeflate: c
        ? {
            threshold: c === true ? 1024 : c.threshold,
            serverNoContextTakeover: c === true ? true : c.serverNoContextTakeover,
            clientNoContextTakeover: true,
          }
        : false,
    });
    this.limiter = opts.connectionRateLimit ? new AddressRateLimiter(opts.connectionRateLimit) : undefined;
  }

  /** Bound the not-yet-upgraded sockets of `server` (ours or an attached one); returns the undo. */
  watch(server: HttpServer | TlsServer): () => void {
    return this.pending.watch(server);
  }

  /** Pending sockets now, and those refused or cut since start. */
  pendingStats(): { pending: number; tooManyPending: number; timedOut: number } {
    return { pending: this.pending.size, ...this.pending.refusals };
  }

  /** After `handshakeTimeoutMs` was reconfigured. */
  limitsChanged(): void {
    this.pending.restart();
  }

  handle = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', this.onSocketError);
    const checked = this.check(request, socket, head);
    if (!checked) return;
    // Without a callback there is nothing to wait for: no timer, no promise per handshake.
    if (!this.opts.hasAuthorizer()) {
      this.complete(request, socket, head, checked);
      return;
    }
    this.authorizeThenComplete(request, socket, head, checked).catch(() => {
      // authorize() threw: a server fault, never an accepted connection.
      this.reject(request, socket, checked.identity, checked.offered, { status: 503, reason: 'auth-failed' });
    });
  };

  /** Every check that needs no I/O, in the documented order; undefined when refused (and answered). */
  private check(request: IncomingMessage, socket: Duplex, head: Buffer): Checked | undefined {
    const o = this.opts;
    const offered = parseProtocolHeader(request.headers['sec-websocket-protocol'] as string | undefined);
    const identity = identityFromPath(request.url ?? '/', o.path);
    const refuse = (r: HandshakeRejection): undefined => {
      this.reject(request, socket, identity, offered, r);
      return undefined;
    };
    // What ws would refuse anyway, before any policy or auth work.
    const malformed = upgradeRequestProblem(request);
    if (malformed) return refuse(malformed);
    if (o.isClosing()) return refuse({ status: 503, reason: 'closing' });
    // The peer address costs a syscall: read it only where it is needed or once accepted.
    if (this.limiter) {
      const address = request.socket.remoteAddress;
      if (address && !this.limiter.take(address)) return refuse({ status: 429, reason: 'rate-limited' });
    }
    if (o.connectedCount() >= o.maxConnections) return refuse({ status: 503, reason: 'server-full' });
    if (identity === undefined) return refuse({ status: 404, reason: 'unknown-path' });
    const protocol = negotiateProtocol(offered, o.protocols);
    if (!protocol) {
      if (o.onNoCommonProtocol === 'reject') return refuse({ status: 400, reason: 'bad-request' });
      // The spec's way (Part 4 §3.1): complete the handshake without Sec-WebSocket-Protocol, then close.
      o.rejected(this.info(request, identity, offered), { status: 101, reason: 'no-common-protocol' });
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        this.owned(socket);
        // No station actor listens on this socket: without a listener, a frame the receiver rejects
        // before the close completes (e.g. over maxPayload) would be an uncaught 'error' and end the process.
        ws.on('error', () => {});
        ws.close(1002, 'No common OCPP subprotocol');
      });
      return undefined;
    }
    if (!identityAllowed(identity, protocol)) return refuse({ status: 400, reason: 'invalid-identity' });
    if (o.admit) {
      const verdict = o.admit(this.info(request, identity, offered));
      if (verdict)
        return refuse({ status: verdict.status, reason: 'refused-by-policy', detail: verdict.reason });
    }

    let password: Buffer | undefined;
    let certificate: PeerCertificate | undefined;
    if (o.securityProfile === 1 || o.securityProfile === 2) {
      const creds = basicCredentials(request.headers.authorization, identity);
      if (!creds.ok) return refuse({ status: 401, reason: creds.reason });
      password = creds.password;
    } else if (o.securityProfile === 3) {
      // The certificate is the credential; an Authorization header, if any, is ignored.
      const checked = checkClientCertificate(request.socket, identity, o.certificateIdentity);
      if (!checked.ok) return refuse(checked.rejection);
      certificate = checked.certificate;
    }
    return { identity, protocol, offered, password, certificate };
  }

  private async authorizeThenComplete(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    c: Checked,
  ): Promise<void> {
    const o = this.opts;
    const verdict = await withTimeout(
      o.authorize({
        identity: c.identity,
        protocol: c.protocol,
        password: c.password,
        certificate: c.certificate,
        remoteAddress: request.socket.remoteAddress,
        request,
      }),
      o.handshakeTimeoutMs,
    );
    if (verdict === 'timeout')
      return this.reject(request, socket, c.identity, c.offered, {
        status: 503,
        reason: 'handshake-timeout',
      });
    if (verdict !== true) return this.reject(request, socket, c.identity, c.offered, verdict);
    if (socket.destroyed) return;
    if (o.isClosing())
      return this.reject(request, socket, c.identity, c.offered, { status: 503, reason: 'closing' });
    this.complete(request, socket, head, c);
  }

  private complete(request: IncomingMessage, socket: Duplex, head: Buffer, c: Checked): void {
    (request as Negotiated)[CHOSEN] = c.protocol;
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      this.owned(socket);
      this.opts.accepted(ws, {
        identity: c.identity,
        protocol: c.protocol,
        remoteAddress: request.socket.remoteAddress,
        request,
      });
    });
  }

  /** ws has the socket, and its own error handler on it. */
  private owned(socket: Duplex): void {
    socket.off('error', this.onSocketError);
    this.pending.settled(socket);
  }

  private reject(
    request: IncomingMessage,
    socket: Duplex,
    identity: string | undefined,
    offered: readonly string[],
    r: HandshakeRejection,
  ): void {
    this.refuse(socket, r);
    this.opts.rejected(this.info(request, identity, offered), r);
  }

  private info(
    request: IncomingMessage,
    identity: string | undefined,
    offered: readonly string[],
  ): HandshakeInfo {
    return {
      identity,
      remoteAddress: request.socket.remoteAddress,
      url: request.url ?? '',
      protocols: offered,
      headers: request.headers,
    };
  }

  private refuse(socket: Duplex, r: HandshakeRejection): void {
    if (socket.destroyed) return;
    const body = `${r.reason}\n`;
    const extra =
      r.status === 401
        ? 'WWW-Authenticate: Basic realm="OCPP", charset="UTF-8"\r\n'
        : r.status === 429
          ? 'Retry-After: 1\r\n'
          : r.reason === 'unsupported-websocket-version'
            ? 'Sec-WebSocket-Version: 13, 8\r\n'
            : r.status === 405
              ? 'Allow: GET\r\n'
              : '';
    socket.end(
      `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status]}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`,
    );
  }

  close(): void {
    this.pending.stop();
    this.wss.close();
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  if (ms <= 0) return p;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
