/**
 * Sockets that never finish their upgrade: silent ones, ones trickling the request a byte at a time,
 * and more of them than `maxPendingHandshakes`. They are cut within the handshake timeout (counted and
 * reported) and refused beyond the cap, while a fresh station still connects.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, startCsms } from '../runtime/harness.js';
import { record } from '../support/events.js';
import { type RawPeer, rawPeer, upgradeRequest } from '../support/raw-peer.js';
import { bootPayload, connectStation, type StationSocket } from '../support/station-socket.js';
import { createTestPki, type TestPki } from '../tls/certs.js';
import { type ChildCsms, startChildCsms } from './child.js';

const TIMEOUT_MS = 1_000;
/** The sweep runs every tenth of the timeout; a loaded machine adds scheduling delay on top. */
const LATE_MS = 1_000;
/** The client learns of its connection a little after the server accepted it. */
const EARLY_MS = 200;

afterEach(cleanup);

/** Resolves with how long the peer stayed connected. */
async function lifetime(peer: RawPeer, openedAt: number): Promise<number> {
  await peer.closed;
  return Date.now() - openedAt;
}

/** `n` raw peers, each with the time its connection was established. */
function peers(port: number, n: number, options?: Parameters<typeof rawPeer>[1]) {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const peer = await rawPeer(port, options);
      return { peer, at: Date.now() };
    }),
  );
}

/** Writes one byte of an upgrade request every `everyMs` until the socket closes. */
function trickle(peer: RawPeer, everyMs: number): void {
  const request = upgradeRequest({ path: '/CP-trickle' });
  let i = 0;
  const timer = setInterval(() => {
    if (peer.stream.destroyed || i >= request.length) return clearInterval(timer);
    peer.write(request[i++]!);
  }, everyMs);
  timer.unref();
}

describe('pending handshakes (in process)', () => {
  it('cuts silent and trickling sockets within handshakeTimeoutMs while a station connects and boots', async () => {
    const { csms, url } = await startCsms({ handshakeTimeoutMs: TIMEOUT_MS, maxPendingHandshakes: 100 });
    const seen = record(csms, 'securityEvent');
    const silent = await peers(portOf(url), 20);
    const slow = await peers(portOf(url), 20);
    for (const { peer } of slow) trickle(peer, 50);

    // While they hang on, a real station is served.
    const station = await connectStation(url, 'CP-fresh');
    expect(await station.call('BootNotification', bootPayload('ocpp1.6'))).toMatchObject([
      3,
      expect.any(String),
      { status: 'Accepted' },
    ]);

    const lifetimes = await Promise.all([...silent, ...slow].map(({ peer, at }) => lifetime(peer, at)));
    for (const ms of lifetimes) {
      // Not before the deadline (less what the client saw of the accept late), not long after it.
      expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - EARLY_MS);
      expect(ms).toBeLessThan(TIMEOUT_MS + LATE_MS);
    }
    // The trickling ones had sent part of a request: they get an HTTP answer.
    expect(slow.every(({ peer }) => /^HTTP\/1\.1 408/.test(peer.received().toString('latin1')))).toBe(true);
    expect(seen.securityEvent.filter((e) => e.type === 'HANDSHAKE_TIMEOUT')).toHaveLength(40);
    expect(station.isOpen).toBe(true);
    await station.close();
    const telemetry = await csms.metrics();
    expect(telemetry).toMatch(/ocpp_handshakes_refused_total\{reason="handshake-timeout"\} 40/);
  });

  it('closes sockets beyond maxPendingHandshakes at once, and connects a station once they are gone', async () => {
    const { csms, url } = await startCsms({ handshakeTimeoutMs: TIMEOUT_MS, maxPendingHandshakes: 10 });
    const seen = record(csms, 'securityEvent');
    const port = portOf(url);
    const held = await Promise.all(Array.from({ length: 10 }, () => rawPeer(port)));
    const refusedAt = Date.now();
    const over = await Promise.all(Array.from({ length: 5 }, () => rawPeer(port)));
    for (const p of over) expect(await lifetime(p, refusedAt)).toBeLessThan(500);
    expect(seen.securityEvent.filter((e) => e.type === 'PENDING_HANDSHAKES_EXCEEDED')).toHaveLength(5);
    expect(held.every((p) => !p.stream.destroyed)).toBe(true);

    await Promise.all(held.map((p) => p.closed));
    const station = await connectStation(url, 'CP-after');
    expect(await station.call('BootNotification', bootPayload('ocpp1.6'))).toMatchObject([
      3,
      expect.any(String),
      { status: 'Accepted' },
    ]);
    await station.close();
  });

  it('a completed upgrade no longer counts: stations beyond the cap connect', async () => {
    const { url } = await startCsms({ handshakeTimeoutMs: TIMEOUT_MS, maxPendingHandshakes: 2 });
    const stations: StationSocket[] = [];
    for (let i = 0; i < 6; i++) stations.push(await connectStation(url, `CP-${i}`));
    expect(stations.every((s) => s.isOpen)).toBe(true);
    await Promise.all(stations.map((s) => s.close()));
  });
});

describe('pending handshakes over TLS, in attach mode (own process)', () => {
  let pki: TestPki;
  let csms: ChildCsms;
  beforeAll(async () => {
    pki = await createTestPki();
    csms = await startChildCsms({
      mode: 'attach',
      tls: { cert: pki.server.certPath, key: pki.server.keyPath },
      options: { handshakeTimeoutMs: TIMEOUT_MS, maxPendingHandshakes: 50 },
    });
  }, 30_000);
  afterAll(async () => {
    await csms?.stop();
    await pki?.remove();
  });

  it('cuts sockets stuck before or inside the TLS handshake and after it, and still serves a station', async () => {
    // No ClientHello at all.
    const silentTcp = await peers(csms.port, 10);
    // A ClientHello trickled a byte at a time (Node's own TLS timeout is an idle timer: this defeats it).
    const tricklingTls = await peers(csms.port, 5);
    const hello = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]);
    for (const { peer: p } of tricklingTls) {
      let i = 0;
      const t = setInterval(() => {
        if (p.tcp.destroyed || i >= hello.length) return clearInterval(t);
        p.write(hello.subarray(i, ++i));
      }, 50);
      t.unref();
    }
    // TLS done, then silence.
    const silentTls = await peers(csms.port, 10, { tls: { ca: pki.ca.cert } });

    const station = await connectStation(`${csms.url}`, 'CP-tls', {
      auth: { password: 'good-password-16' },
      tls: { ca: pki.ca.cert },
    });
    expect(await station.call('BootNotification', bootPayload('ocpp1.6'))).toMatchObject([
      3,
      expect.any(String),
      { status: 'Accepted' },
    ]);

    const lifetimes = await Promise.all(
      [...silentTcp, ...tricklingTls, ...silentTls].map(({ peer, at }) => lifetime(peer, at)),
    );
    for (const ms of lifetimes) expect(ms).toBeLessThan(TIMEOUT_MS + LATE_MS);
    expect(csms.alive()).toBe(true);
    expect(station.isOpen).toBe(true);
    // The application's own routes on the attached server keep working.
    const p = await rawPeer(csms.port, { tls: { ca: pki.ca.cert } });
    p.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    await p.waitFor(/application route/);
    p.reset();
    await station.close();
  });
});

function portOf(url: string): number {
  return Number(new URL(url).port);
}
