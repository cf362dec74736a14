/**
 * A raw TCP (or TLS) peer for the robustness tests: it writes exactly the bytes it is told, reads the
 * HTTP answer, hand-builds WebSocket frames and can reset the connection (an RST, not a FIN) at any step.
 */
import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';

export interface RawPeerOptions {
  /** For a wss:// server: the CA to trust (or no verification at all). */
  tls?: { ca?: string; cert?: string; key?: string } | true;
}

export interface RawPeer {
  /** The TCP socket: resetting it sends an RST whether or not TLS runs over it. */
  readonly tcp: Socket;
  /** What the peer writes to and reads from (the TLS socket over TLS). */
  readonly stream: Socket | TLSSocket;
  /** Everything received so far. */
  received(): Buffer;
  /** Resolves once `pattern` is in what arrived (as latin1 text). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Settles when the connection is closed, by either side. */
  readonly closed: Promise<void>;
  write(data: string | Buffer): void;
  /** An RST: the server sees ECONNRESET. */
  reset(): void;
}

/** Open a TCP connection (and the TLS handshake over it when asked); resolves once it can be written. */
export function rawPeer(port: number, options: RawPeerOptions = {}): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const tcp = netConnect(port, '127.0.0.1');
    tcp.on('error', () => {}); // a reset from either side is the point of these tests
    let stream: Socket | TLSSocket = tcp;
    let data = Buffer.alloc(0);
    const waiters = new Set<() => void>();
    const closed = new Promise<void>((r) => tcp.once('close', () => r()));
    const peer = (): RawPeer => ({
      tcp,
      stream,
      received: () => data,
      closed,
      write: (d) => {
        if (!stream.destroyed) stream.write(d);
      },
      reset: () => {
        if (!tcp.destroyed) tcp.resetAndDestroy();
      },
      waitFor(pattern, timeoutMs = 5_000) {
        return new Promise((res, rej) => {
          const check = () => {
            const m = pattern.exec(data.toString('latin1'));
            if (!m) return false;
            waiters.delete(check);
            clearTimeout(timer);
            res(m);
            return true;
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            rej(
              new Error(
                `no ${pattern} within ${timeoutMs} ms; got ${JSON.stringify(data.toString('latin1'))}`,
              ),
            );
          }, timeoutMs);
          if (!check()) waiters.add(check);
        });
      },
    });
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      for (const w of [...waiters]) w();
    };
    tcp.once('connect', () => {
      if (!options.tls) {
        tcp.on('data', onData);
        resolve(peer());
        return;
      }
      const t = options.tls === true ? {} : options.tls;
      const secure = tlsConnect({
        socket: tcp,
        servername: 'localhost',
        ...(t.ca ? { ca: t.ca } : { rejectUnauthorized: false }),
        ...(t.cert ? { cert: t.cert, key: t.key } : {}),
      });
      secure.on('error', () => {});
      stream = secure;
      secure.on('data', onData);
      secure.once('secureConnect', () => resolve(peer()));
      secure.once('close', () => reject(new Error('TLS handshake failed')));
    });
    tcp.once('error', reject);
  });
}

export interface UpgradeRequestOptions {
  path?: string;
  protocols?: string;
  /** Basic credentials `identity:password`. */
  basic?: string;
  key?: string;
  version?: string;
  method?: string;
  extraHeaders?: string;
}

export function upgradeRequest(o: UpgradeRequestOptions = {}): string {
  const lines = [
    `${o.method ?? 'GET'} ${o.path ?? '/CP-1'} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${o.key ?? randomBytes(16).toString('base64')}`,
    `Sec-WebSocket-Version: ${o.version ?? '13'}`,
  ];
  if (o.protocols !== '') lines.push(`Sec-WebSocket-Protocol: ${o.protocols ?? 'ocpp1.6'}`);
  if (o.basic) lines.push(`Authorization: Basic ${Buffer.from(o.basic).toString('base64')}`);
  if (o.extraHeaders) lines.push(o.extraHeaders);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export interface FrameOptions {
  fin?: boolean;
  rsv?: number;
  /** Client frames must be masked (RFC 6455 §5.1). */
  mask?: boolean;
  /** Announce this length instead of the payload's (e.g. more than 2^53 - 1). */
  announcedLength?: bigint;
}

/** A WebSocket frame, built by hand so it can be wrong in any way the tests need. */
export function wsFrame(opcode: number, payload: Buffer | string, o: FrameOptions = {}): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const mask = o.mask ?? true;
  const length = o.announcedLength ?? BigInt(body.length);
  const head: number[] = [((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | (opcode & 0x0f)];
  const maskBit = mask ? 0x80 : 0;
  if (length < 126n) head.push(maskBit | Number(length));
  else if (length < 65536n) head.push(maskBit | 126, Number(length >> 8n) & 0xff, Number(length) & 0xff);
  else {
    head.push(maskBit | 127);
    for (let i = 7; i >= 0; i--) head.push(Number((length >> BigInt(i * 8)) & 0xffn));
  }
  if (!mask) return Buffer.concat([Buffer.from(head), body]);
  const key = randomBytes(4);
  const masked = Buffer.from(body);
  for (let i = 0; i < masked.length; i++) masked[i]! ^= key[i % 4]!;
  return Buffer.concat([Buffer.from(head), key, masked]);
}
