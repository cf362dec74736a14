/**
 * Shared set-up for the TLS tests: CSMSs listening with TLS on 127.0.0.1 (the server certificates carry
 * IP:127.0.0.1), station clients and raw sockets pointed at them, and cleanup (call `cleanup` in afterEach).
 */
import {
  type ConnectionOptions,
  type PeerCertificate,
  type TLSSocket,
  connect as tlsConnect,
} from 'node:tls';
import type WebSocket from 'ws';
import { type Csms, createCsms } from '../../src/actors/csms.js';
import { registerDefaultHandlers } from '../../src/actors/default-handlers.js';
import type { CsmsOptions } from '../../src/actors/options.js';
import {
  createStation,
  type Station,
  type StationEventMap,
  type StationOptions,
} from '../../src/client/index.js';
import { connectStation, type StationSocket, type StationSocketOptions } from '../support/station-socket.js';

type Closable = { close(): Promise<unknown> };
const clients: Closable[] = [];
const servers: Closable[] = [];

export interface TlsCsms {
  readonly csms: Csms;
  readonly url: string;
  readonly port: number;
}

export async function startTlsCsms(options: CsmsOptions): Promise<TlsCsms> {
  const csms = registerDefaultHandlers(createCsms({ jitterRatio: 0, ...options }));
  servers.push({ close: () => csms.close({ drainMs: 0 }) });
  const { port } = await csms.listen({ port: 0, host: '127.0.0.1' });
  return { csms, url: `wss://127.0.0.1:${port}`, port };
}

export function station(options: StationOptions): Station {
  const s = createStation({ reconnect: { waitMinimumMs: 20, randomRangeMs: 10 }, ...options });
  clients.push(s);
  return s;
}

export async function rawStation(
  url: string,
  identity: string,
  options: StationSocketOptions,
): Promise<StationSocket> {
  const s = await connectStation(url, identity, options);
  clients.push(s);
  return s;
}

/** Something else to close in cleanup (a server made by the test). */
export function track(c: Closable): void {
  servers.push(c);
}

export async function cleanup(): Promise<void> {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((c) => c.close()));
}

/** The TLS socket under a `ws` client (for the certificate and cipher it negotiated). */
export function tlsOf(ws: WebSocket): TLSSocket {
  return (ws as unknown as { _socket: TLSSocket })._socket;
}

/** A bare TLS handshake (no HTTP): resolves with what was negotiated, or rejects with the TLS error. */
export function handshake(
  port: number,
  options: ConnectionOptions,
): Promise<{ certificate: PeerCertificate; cipher: string; protocol: string | null }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ...options }, () => {
      const result = {
        certificate: socket.getPeerCertificate(),
        cipher: socket.getCipher().standardName,
        protocol: socket.getProtocol(),
      };
      socket.end();
      resolve(result);
    });
    socket.once('error', reject);
  });
}

export function bootPayload16() {
  return { chargePointVendor: 'Acme', chargePointModel: 'Test' };
}

/** Start connecting `s` and resolve with its first failed attempt (the client keeps retrying). */
export function firstFailure(s: Station): Promise<StationEventMap['connectFailed']> {
  return new Promise((resolve) => {
    const off = s.on('connectFailed', (e) => {
      off();
      resolve(e);
    });
    void s.connect().catch(() => {});
  });
}

export { nextEvent, record } from '../support/events.js';
