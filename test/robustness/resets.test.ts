/**
 * A TCP reset at every step of a connection, from a peer nobody authenticated, must leave the CSMS
 * process running and every other station served: in listen() and attach() mode, with and without TLS,
 * with an async auth callback. The CSMS runs in a process of its own, so a crash shows as its exit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RawPeer, rawPeer, upgradeRequest, wsFrame } from '../support/raw-peer.js';
import { bootPayload, connectStation, type StationSocket } from '../support/station-socket.js';
import { createTestPki, type TestPki } from '../tls/certs.js';
import { type ChildCsms, startChildCsms } from './child.js';

const PASSWORD = 'good-password-16';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(() => pki?.remove());

interface Ctx {
  csms: ChildCsms;
  tls: boolean;
  peer(): Promise<RawPeer>;
  /** A station that boots and stays connected; `extra` ones fill capacity. */
  station(identity: string): Promise<StationSocket>;
}

interface Step {
  name: string;
  run(c: Ctx): Promise<void>;
}

const basic = (identity: string, password = PASSWORD) => `${identity}:${password}`;

const STEPS: Step[] = [
  {
    name: 'right after connecting, before a byte',
    async run(c) {
      (await c.peer()).reset();
    },
  },
  {
    name: 'halfway through the request headers',
    async run(c) {
      const p = await c.peer();
      p.write(upgradeRequest({ path: '/ocpp/CP-half' }).slice(0, 40));
      p.reset();
    },
  },
  {
    name: 'after a 404 for a path outside `path`',
    async run(c) {
      const mark = c.csms.output().length;
      const p = await c.peer();
      p.write(upgradeRequest({ path: '/elsewhere/CP-1' }));
      await p.waitFor(/^HTTP\/1\.1 404/);
      p.reset();
      // What the guard caught is reported, not thrown. (Under TLS the reset ends the TLS socket quietly.)
      if (!c.tls) await c.csms.waitFor(/event transportError ECONNRESET/, 5_000, mark);
    },
  },
  {
    name: 'after a 401 for a wrong password',
    async run(c) {
      const p = await c.peer();
      p.write(upgradeRequest({ path: '/ocpp/CP-2', basic: basic('CP-2', 'wrong-password-1') }));
      await p.waitFor(/^HTTP\/1\.1 401/);
      p.reset();
    },
  },
  {
    name: 'after a 400 for a key ws would refuse (auth never asked)',
    async run(c) {
      const mark = c.csms.output().length;
      const p = await c.peer();
      p.write(upgradeRequest({ path: '/ocpp/slow-never', key: 'not-a-key', basic: basic('slow-never') }));
      await p.waitFor(/^HTTP\/1\.1 400/);
      p.reset();
      await c.csms.waitFor(/event authFailed 400 invalid-upgrade/, 5_000, mark);
      expect(c.csms.output().slice(mark)).not.toMatch(/auth-pending slow-never/);
    },
  },
  {
    name: 'while the async auth callback is pending',
    async run(c) {
      const mark = c.csms.output().length;
      const p = await c.peer();
      p.write(upgradeRequest({ path: '/ocpp/slow-1', basic: basic('slow-1') }));
      await c.csms.waitFor(/auth-pending slow-1/, 5_000, mark);
      p.reset();
      // The callback accepts after the socket is gone: the upgrade must not go ahead on it.
      await c.csms.waitFor(/auth-done slow-1/, 5_000, mark);
      expect(c.csms.output().slice(mark)).not.toMatch(/event connected slow-1/);
    },
  },
  {
    name: 'right after the 101',
    async run(c) {
      const mark = c.csms.output().length;
      const p = await c.peer();
      p.write(upgradeRequest({ path: '/ocpp/CP-101', basic: basic('CP-101') }));
      await p.waitFor(/^HTTP\/1\.1 101/);
      await c.csms.waitFor(/event connected CP-101/, 5_000, mark);
      p.reset();
      await c.csms.waitFor(/event disconnected CP-101 1006/, 5_000, mark);
    },
  },
  {
    name: 'halfway through a frame of an accepted connection',
    async run(c) {
      const mark = c.csms.output().length;
      const p = await c.peer();
      p.write(upgradeRequest({ path: '/ocpp/CP-mid', basic: basic('CP-mid') }));
      await p.waitFor(/^HTTP\/1\.1 101/);
      await c.csms.waitFor(/event connected CP-mid/, 5_000, mark);
      const frame = wsFrame(1, JSON.stringify([2, 'b1', 'BootNotification', bootPayload('ocpp1.6')]));
      p.write(frame.subarray(0, frame.length >> 1));
      p.reset();
      await c.csms.waitFor(/event disconnected CP-mid 1006/, 5_000, mark);
    },
  },
  {
    name: 'after the 101 without a common subprotocol',
    async run(c) {
      const p = await c.peer();
      p.write(upgradeRequest({ path: '/ocpp/CP-proto', protocols: 'ocpp0.1', basic: basic('CP-proto') }));
      await p.waitFor(/^HTTP\/1\.1 101/);
      p.reset();
    },
  },
  {
    name: 'after a 503 when the server is full',
    async run(c) {
      // maxConnections 3: the canary and these two fill it.
      const mark = c.csms.output().length;
      const fill = [await c.station('CP-fill-1'), await c.station('CP-fill-2')];
      const p = await c.peer();
      p.write(upgradeRequest({ path: '/ocpp/CP-full', basic: basic('CP-full') }));
      await p.waitFor(/^HTTP\/1\.1 503/);
      p.reset();
      await Promise.all(fill.map((s) => s.close()));
      await c.csms.waitFor(/event disconnected CP-fill-1/, 5_000, mark);
      await c.csms.waitFor(/event disconnected CP-fill-2/, 5_000, mark);
    },
  },
  {
    // Last: it spends this address's connection budget.
    name: 'after a 429 from the rate limit',
    async run(c) {
      for (let i = 0; ; i++) {
        expect(i, 'the rate limit never answered 429').toBeLessThan(100);
        const p = await c.peer();
        p.write(
          upgradeRequest({ path: `/ocpp/CP-rate-${i}`, basic: basic(`CP-rate-${i}`, 'wrong-password-1') }),
        );
        const status = (await p.waitFor(/^HTTP\/1\.1 (\d{3})/))[1];
        p.reset();
        if (status === '429') break;
      }
    },
  },
];

const MODES = [
  { mode: 'listen', tls: false },
  { mode: 'attach', tls: false },
  { mode: 'listen', tls: true },
  { mode: 'attach', tls: true },
] as const;

describe.each(MODES)('a reset in $mode mode, TLS $tls', ({ mode, tls }) => {
  let csms: ChildCsms;
  let canary: StationSocket;
  const opened: StationSocket[] = [];
  let ctx: Ctx;

  beforeAll(async () => {
    csms = await startChildCsms({
      mode,
      auth: true,
      ...(tls ? { tls: { cert: pki.server.certPath, key: pki.server.keyPath } } : {}),
      options: {
        path: '/ocpp',
        maxConnections: 3,
        connectionRateLimit: { burst: 40, perSecond: 0.01 },
        jitterRatio: 0,
      },
    });
    const station = async (identity: string) => {
      const s = await connectStation(`${csms.url}/ocpp`, identity, {
        auth: { password: PASSWORD },
        ...(tls ? { tls: { ca: pki.ca.cert } } : {}),
      });
      opened.push(s);
      expect(await s.call('BootNotification', bootPayload('ocpp1.6'))).toMatchObject([
        3,
        expect.any(String),
        { status: 'Accepted' },
      ]);
      return s;
    };
    canary = await station('CP-canary');
    ctx = { csms, tls, station, peer: () => rawPeer(csms.port, tls ? { tls: { ca: pki.ca.cert } } : {}) };
  }, 30_000);

  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await csms?.stop();
  });

  it.each(STEPS)('$name: the process lives and the canary is served', async (step) => {
    await step.run(ctx);
    expect(csms.alive(), csms.output()).toBe(true);
    expect(await canary.call('Heartbeat', {})).toEqual([
      3,
      expect.any(String),
      { currentTime: expect.any(String) },
    ]);
  });

  it('a reset of the raw TCP socket under a TLS handshake in progress is survived too', async () => {
    const p = await rawPeer(csms.port);
    // A ClientHello's first bytes (or, on a plain server, the start of a request line), then a reset.
    p.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xc8, 0x01]));
    p.reset();
    expect(await canary.call('Heartbeat', {})).toEqual([3, expect.any(String), expect.any(Object)]);
    expect(csms.alive()).toBe(true);
  });
});
