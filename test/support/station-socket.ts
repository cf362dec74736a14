/**
 * A raw OCPP-J test station on a real `ws` client socket: it sends exactly the text it is given and
 * records exactly what arrives, so tests can speak malformed OCPP and watch the CSMS's answers.
 */
import type { IncomingHttpHeaders } from 'node:http';
import WebSocket, { type ClientOptions } from 'ws';

/** A received message: the parsed JSON (normally an OCPP-J array), or the raw text when not JSON. */
export type Received = unknown[];

export interface StationSocketOptions {
  /** Subprotocols offered, in the station's order of preference (default `['ocpp1.6']`). */
  protocols?: readonly string[];
  /**
   * Sent as the Sec-WebSocket-Protocol header without `ws` checking the answer (it would abort a
   * handshake that completes without a subprotocol): to watch a server that agrees on none.
   */
  rawProtocolHeader?: string;
  headers?: Record<string, string>;
  /** HTTP Basic credentials; `user` defaults to the identity, `password` may be binary. */
  auth?: { user?: string; password: Buffer | string };
  /** Answer pings (default true); false plays a dead peer. */
  autoPong?: boolean;
  /** Runs synchronously on 'open', before anything the server sent after the handshake is read. */
  onOpen?: (ws: WebSocket) => void;
  /** Milliseconds to wait for the handshake (default 2000). */
  timeoutMs?: number;
  /** Source address to connect from (any of 127.0.0.0/8 on loopback): a station on another host. */
  localAddress?: string;
  /** For a wss:// url: CA, client certificate, versions, ciphers. */
  tls?: Pick<
    ClientOptions,
    'ca' | 'cert' | 'key' | 'minVersion' | 'maxVersion' | 'ciphers' | 'rejectUnauthorized'
  >;
}

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

export interface StationSocket {
  readonly identity: string;
  /** The negotiated subprotocol; '' when the server picked none. */
  readonly protocol: string;
  readonly ws: WebSocket;
  /** Every message received so far, in order (consumed or not). */
  readonly received: readonly Received[];
  /** Settles when the socket closes, with the close code the station saw. */
  readonly closed: Promise<CloseInfo>;
  readonly isOpen: boolean;
  /** Send a frame: an array is JSON-encoded, a string goes out as is. */
  send(frame: string | readonly unknown[]): void;
  /** Send `[2,id,action,payload]`; resolves with the CALLRESULT/CALLERROR carrying that id. */
  call(action: string, payload: unknown, messageId?: string, timeoutMs?: number): Promise<Received>;
  /** Answer a CALL the CSMS sent with a CALLRESULT. */
  reply(call: Received, payload: unknown): void;
  /** The oldest message not yet consumed; rejects after `timeoutMs` (default 1000). */
  nextMessage(timeoutMs?: number): Promise<Received>;
  /** The oldest unconsumed message matching `match`, consumed; others stay queued. */
  waitFor(match: (m: Received) => boolean, timeoutMs?: number): Promise<Received>;
  /**
   * Resolves when the CSMS sent nothing in answer to what it has read so far; rejects with what arrived
   * otherwise. Waits on two ping/pong round trips, not a clock: the second ping is read in a later turn
   * of the CSMS's event loop than everything before it, so any answer it made synchronously or from a
   * settled promise is on the wire first. (An answer held back by a timer is a different test.)
   */
  expectSilence(): Promise<void>;
  close(code?: number): Promise<CloseInfo>;
}

export interface HttpRefusal {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let sequence = 0;

function basicAuth(identity: string, auth: NonNullable<StationSocketOptions['auth']>): string {
  const user = Buffer.from(`${auth.user ?? identity}:`, 'utf8');
  const password = typeof auth.password === 'string' ? Buffer.from(auth.password, 'utf8') : auth.password;
  return `Basic ${Buffer.concat([user, password]).toString('base64')}`;
}

function open(url: string, identity: string, options: StationSocketOptions): WebSocket {
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth) headers.Authorization = basicAuth(identity, options.auth);
  if (options.rawProtocolHeader !== undefined) headers['Sec-WebSocket-Protocol'] = options.rawProtocolHeader;
  const protocols = options.rawProtocolHeader !== undefined ? [] : [...(options.protocols ?? ['ocpp1.6'])];
  return new WebSocket(`${url.replace(/\/$/, '')}/${encodeURIComponent(identity)}`, protocols, {
    headers,
    autoPong: options.autoPong ?? true,
    handshakeTimeout: options.timeoutMs ?? 2_000,
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    ...options.tls,
  });
}

function parse(text: string): Received {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v : [v];
  } catch {
    return [text];
  }
}

/** Connect a station; resolves once the WebSocket is open (even if the server closes it right after). */
export function connectStation(
  url: string,
  identity: string,
  options: StationSocketOptions = {},
): Promise<StationSocket> {
  const ws = open(url, identity, options);
  const received: Received[] = [];
  const unconsumed: Received[] = [];
  const waiters: { match: (m: Received) => boolean; resolve: (m: Received) => void }[] = [];
  let resolveClosed!: (info: CloseInfo) => void;
  const closed = new Promise<CloseInfo>((resolve) => {
    resolveClosed = resolve;
  });
  ws.on('message', (data: Buffer) => {
    const m = parse(data.toString('utf8'));
    received.push(m);
    const i = waiters.findIndex((w) => w.match(m));
    if (i === -1) unconsumed.push(m);
    else waiters.splice(i, 1)[0]!.resolve(m);
  });
  ws.on('close', (code: number, reason: Buffer) => resolveClosed({ code, reason: reason.toString() }));

  const waitFor = (match: (m: Received) => boolean, timeoutMs = 1_000): Promise<Received> => {
    const i = unconsumed.findIndex(match);
    if (i !== -1) return Promise.resolve(unconsumed.splice(i, 1)[0]!);
    return new Promise<Received>((resolve, reject) => {
      const waiter = {
        match,
        resolve: (m: Received) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(
          new Error(
            `${identity}: no matching message within ${timeoutMs} ms; got ${JSON.stringify(received)}`,
          ),
        );
      }, timeoutMs);
      waiters.push(waiter);
    });
  };

  const roundTrip = () =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${identity}: no pong within 5000 ms`)), 5_000);
      ws.once('pong', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.ping();
    });

  const send = (frame: string | readonly unknown[]) =>
    ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));

  const station: StationSocket = {
    identity,
    get protocol() {
      return ws.protocol;
    },
    ws,
    received,
    closed,
    get isOpen() {
      return ws.readyState === WebSocket.OPEN;
    },
    send,
    call(action, payload, messageId = `m${++sequence}`, timeoutMs = 1_000) {
      send([2, messageId, action, payload]);
      return waitFor((m) => (m[0] === 3 || m[0] === 4) && m[1] === messageId, timeoutMs);
    },
    reply(call, payload) {
      send([3, call[1], payload]);
    },
    nextMessage: (timeoutMs) => waitFor(() => true, timeoutMs),
    waitFor,
    async expectSilence() {
      const before = received.length;
      for (let i = 0; i < 2; i++) await roundTrip();
      if (received.length !== before) {
        throw new Error(`${identity}: expected silence, got ${JSON.stringify(received.slice(before))}`);
      }
    },
    close(code = 1000) {
      if (ws.readyState === WebSocket.CLOSED) return closed;
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(code);
      const timer = setTimeout(() => ws.terminate(), 500);
      return closed.finally(() => clearTimeout(timer));
    },
  };

  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    ws.once('error', failed);
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`${identity}: HTTP ${res.statusCode} instead of an upgrade`)),
    );
    ws.once('open', () => {
      ws.off('error', failed);
      // Errors after the handshake show up as a close; keep them from becoming uncaught.
      ws.on('error', () => {});
      options.onOpen?.(ws);
      resolve(station);
    });
  });
}

/** Attempt a connection the server must refuse; resolves with the HTTP status (and body) it answered. */
export function connectExpectingHttpError(
  url: string,
  identity: string,
  options: StationSocketOptions = {},
): Promise<HttpRefusal> {
  const ws = open(url, identity, options);
  return new Promise((resolve, reject) => {
    ws.on('error', (error) => reject(error));
    ws.once('open', () => {
      ws.terminate();
      reject(
        new Error(`${identity}: connected (${ws.protocol || 'no subprotocol'}) instead of being refused`),
      );
    });
    ws.once('unexpected-response', (req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        req.destroy();
      });
    });
  });
}

/** A schema-valid BootNotification request for `version`. */
export function bootPayload(version: string): Record<string, unknown> {
  if (version === 'ocpp1.6') return { chargePointVendor: 'TestVendor', chargePointModel: 'TestModel' };
  return { reason: 'PowerUp', chargingStation: { vendorName: 'TestVendor', model: 'TestModel' } };
}
