/**
 * Shared set-up for the station client tests: real CSMSs from src/index.ts on 127.0.0.1, clients
 * pointed at them, and cleanup of everything a test opened (call `cleanup` in afterEach).
 */

import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { createStation, type RequestIn, type Station, type StationOptions } from '../../src/client/index.js';
import { type Csms, type CsmsOptions, createCsms, registerDefaultHandlers } from '../../src/index.js';
import type { OcppVersion } from '../../src/protocol/versions.js';

type Closable = { close(): Promise<void> };
const clients: Closable[] = [];
const servers: Closable[] = [];

export async function startCsms(
  options: CsmsOptions = {},
  port = 0,
): Promise<{ csms: Csms; url: string; port: number }> {
  const csms = createCsms({ jitterRatio: 0, ...options });
  registerDefaultHandlers(csms);
  servers.push({ close: () => csms.close({ drainMs: 0 }) });
  const bound = await csms.listen({ port, host: '127.0.0.1' });
  return { csms, url: `ws://127.0.0.1:${bound.port}`, port: bound.port };
}

export function station<V extends OcppVersion = OcppVersion>(options: StationOptions<V>): Station<V> {
  const s = createStation<V>({ reconnect: { waitMinimumMs: 20, randomRangeMs: 10 }, ...options });
  clients.push(s);
  return s;
}

/** Something to close in cleanup, e.g. a bare ws server. */
export function track(c: Closable): void {
  servers.push(c);
}

export async function cleanup(): Promise<void> {
  // Clients first, so they do not start reconnecting to a CSMS that is going away.
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((c) => c.close()));
}

/** A port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A valid BootNotification request for `version`, typed for it. */
export function bootPayload<V extends OcppVersion>(version: V): RequestIn<V, 'BootNotification'> {
  const payload =
    version === 'ocpp1.6'
      ? { chargePointVendor: 'Acme', chargePointModel: 'Test' }
      : { chargingStation: { vendorName: 'Acme', model: 'Test' }, reason: 'PowerUp' };
  return payload as RequestIn<V, 'BootNotification'>;
}

export { until } from '../support/wait.js';
