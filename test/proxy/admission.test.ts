/**
 * Auth decided at the station's handshake: the proxy opens the upstream leg with the station's
 * credentials while the station waits, and answers with the CSMS's own verdict. Real sockets on every
 * leg: raw `ws` stations -> CsmsAdapter -> our CSMS with profile-1 auth (or a server that never answers).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Csms, createCsms, registerDefaultHandlers } from '../../src/index.js';
import { CsmsAdapter, OCPPProtocolProxy, presets } from '../../src/proxy/index.js';
import { connectExpectingHttpError, connectStation, type StationSocket } from '../support/station-socket.js';

let upstream: Csms | undefined;
let proxy: OCPPProtocolProxy | undefined;
let silent: { server: Server; sockets: Set<Socket> } | undefined;
const stations: StationSocket[] = [];
afterEach(async () => {
  await Promise.all(stations.splice(0).map((s) => s.close()));
  await proxy?.close();
  await upstream?.close({ drainMs: 0 });
  if (silent) {
    for (const s of silent.sockets) s.destroy();
    await new Promise((r) => silent!.server.close(r));
  }
  proxy = upstream = silent = undefined;
});

const BOOT16 = { chargePointVendor: 'V', chargePointModel: 'M' };

/** Our CSMS with profile 1: CP-OK/secret accepted, CP-BANNED forbidden, CP-GHOST unknown, others 401. */
async function strictCsms(): Promise<{ url: string; attempts: string[] }> {
  const attempts: string[] = [];
  upstream = registerDefaultHandlers(
    createCsms({
      securityProfile: 1,
      auth: ({ identity, password }) => {
        attempts.push(identity);
        if (identity === 'CP-BANNED') return 'forbidden';
        if (identity === 'CP-GHOST') return 'unknown';
        return password?.toString() === 'secret';
      },
    }),
  );
  const { port } = await upstream.listen({ port: 0, host: '127.0.0.1' });
  return { url: `ws://127.0.0.1:${port}`, attempts };
}

async function startProxy(
  upstreamUrl: string,
  admission?: ConstructorParameters<typeof OCPPProtocolProxy>[0]['admission'],
): Promise<{ url: string; errors: string[] }> {
  proxy = new OCPPProtocolProxy({
    upstreamEndpoint: upstreamUrl,
    upstreamProtocol: 'ocpp2.1',
    admission,
    upstream: { reconnect: { waitMinimumMs: 50, randomRangeMs: 0 } },
  });
  proxy.translate(presets.ocpp16_to_ocpp21);
  const errors: string[] = [];
  proxy.on('upstreamError', (e, identity) => errors.push(`${identity}: ${e.name}`));
  const adapter = new CsmsAdapter({ port: 0, host: '127.0.0.1', protocols: ['ocpp1.6'], securityProfile: 1 });
  await proxy.listenOnAdapter(adapter);
  return { url: `ws://127.0.0.1:${adapter.port}`, errors };
}

/** A TCP server that accepts and never answers: an upstream that hangs in its handshake. */
async function silentServer(): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  silent = { server, sockets };
  return `ws://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe('auth decided at the handshake (CsmsAdapter)', () => {
  it("refuses a station with the CSMS's own status (401, 403, 404) before accepting it; the right password gets through", async () => {
    const csms = await strictCsms();
    const { url, errors } = await startProxy(csms.url);
    const refusal = (identity: string, password: string) =>
      connectExpectingHttpError(url, identity, { auth: { password }, timeoutMs: 8_000 });

    expect((await refusal('CP-WRONG', 'guess')).status).toBe(401);
    expect((await refusal('CP-BANNED', 'secret')).status).toBe(403);
    expect((await refusal('CP-GHOST', 'secret')).status).toBe(404);
    // Refused stations never became connections of the proxy.
    expect(proxy!.connections).toBe(0);
    expect(upstream!.connectedCount).toBe(0);

    const ok = await connectStation(url, 'CP-OK', { auth: { password: 'secret' } });
    stations.push(ok);
    expect(await ok.call('BootNotification', BOOT16)).toMatchObject([
      3,
      expect.any(String),
      { status: 'Accepted' },
    ]);
    // One upstream handshake per station: the leg opened at the handshake is the one the station uses.
    expect(csms.attempts).toEqual(['CP-WRONG', 'CP-BANNED', 'CP-GHOST', 'CP-OK']);
    expect(upstream!.station('CP-OK')?.protocol).toBe('ocpp2.1');
    expect(errors).toEqual(['CP-WRONG: ConnectError', 'CP-BANNED: ConnectError', 'CP-GHOST: ConnectError']);
  });

  it("CSMS down, whenUpstreamDown 'refuse': the station gets 503 at once, and connects once the CSMS is up", async () => {
    // A port nobody listens on: connection refused.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const { url } = await startProxy(`ws://127.0.0.1:${port}`, { whenUpstreamDown: 'refuse' });
    const started = Date.now();
    expect((await connectExpectingHttpError(url, 'CP-OK', { auth: { password: 'secret' } })).status).toBe(
      503,
    );
    // Decided by the first failed attempt, not by the wait's 5 s bound.
    expect(Date.now() - started).toBeLessThan(4_000);

    upstream = registerDefaultHandlers(createCsms({}));
    await upstream.listen({ port, host: '127.0.0.1' });
    const ok = await connectStation(url, 'CP-OK', { auth: { password: 'secret' } });
    stations.push(ok);
    expect(await ok.call('BootNotification', BOOT16)).toMatchObject([
      3,
      expect.any(String),
      { status: 'Accepted' },
    ]);
  });

  it('an upstream that never answers its handshake: the station waits timeoutMs, then 503 (refuse) or accepted (accept)', async () => {
    const hanging = await silentServer();
    const { url } = await startProxy(hanging, { timeoutMs: 300, whenUpstreamDown: 'refuse' });
    const started = Date.now();
    expect(
      (await connectExpectingHttpError(url, 'CP-A', { auth: { password: 'x' }, timeoutMs: 8_000 })).status,
    ).toBe(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await proxy!.close();

    const accepting = await startProxy(hanging, { timeoutMs: 300 });
    const waitedFrom = Date.now();
    const s = await connectStation(accepting.url, 'CP-B', { auth: { password: 'x' }, timeoutMs: 8_000 });
    stations.push(s);
    expect(Date.now() - waitedFrom).toBeGreaterThanOrEqual(290);
    expect(proxy!.connections).toBe(1);
  });
});
