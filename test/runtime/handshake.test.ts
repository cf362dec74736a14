import { afterEach, describe, expect, it } from 'vitest';
import type { AuthRequest } from '../../src/actors/options.js';
import { passwordMatches } from '../../src/transport/handshake.js';
import { rawPeer, upgradeRequest } from '../support/raw-peer.js';
import { bootPayload } from '../support/station-socket.js';
import { cleanup, expectServed, nextEvent, record, startCsms } from './harness.js';

afterEach(cleanup);

describe('subprotocol negotiation', () => {
  it('completes the handshake without a subprotocol and closes with 1002 when none is common', async () => {
    const t = await startCsms();
    const other = await t.boot('OTHER');
    const events = record(t.csms, 'authFailed', 'connected');
    const s = await t.connect('CP1', { rawProtocolHeader: 'ocpp1.5, ocpp1.2' });
    expect(s.protocol).toBe('');
    expect((await s.closed).code).toBe(1002);
    expect(events.authFailed).toMatchObject([{ status: 101, reason: 'no-common-protocol' }]);
    expect(events.authFailed[0]!.handshake).toMatchObject({
      identity: 'CP1',
      protocols: ['ocpp1.5', 'ocpp1.2'],
    });
    expect(events.connected).toEqual([]);
    expect(t.csms.station('CP1')).toBeUndefined();
    await expectServed(other);
  });

  it('survives a station that sends an oversized frame before that close completes', async () => {
    const t = await startCsms({ maxPayloadBytes: 300 });
    const other = await t.boot('OTHER');
    // Before the fix, the receiver's 'error' had no listener: an uncaught exception ended the process.
    const s = await t.connect('CP1', {
      rawProtocolHeader: 'ocpp1.5',
      onOpen: (ws) => ws.send('x'.repeat(1000)),
    });
    expect([1002, 1009]).toContain((await s.closed).code);
    await expectServed(other);
  });

  it('treats a station offering no subprotocol at all the same way', async () => {
    const t = await startCsms();
    const s = await t.connect('CP1', { protocols: [] });
    expect(s.protocol).toBe('');
    expect((await s.closed).code).toBe(1002);
  });

  it("answers HTTP 400 instead with onNoCommonProtocol: 'reject'", async () => {
    const t = await startCsms({ onNoCommonProtocol: 'reject' });
    const other = await t.boot('OTHER');
    const failed = nextEvent(t.csms, 'authFailed');
    expect((await t.refused('CP1', { protocols: ['ocpp1.5'] })).status).toBe(400);
    expect(await failed).toMatchObject({ status: 400, reason: 'bad-request' });
    await expectServed(other);
  });

  it("lets the server's preference order decide among several offered versions", async () => {
    const t = await startCsms({ protocols: ['ocpp2.0.1', 'ocpp1.6'] });
    const a = await t.connect('A', { protocols: ['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'] });
    expect(a.protocol).toBe('ocpp2.0.1');
    expect(t.csms.station('A')?.protocol).toBe('ocpp2.0.1');
    const b = await t.connect('B', { protocols: ['ocpp2.1', 'ocpp1.6'] });
    expect(b.protocol).toBe('ocpp1.6');
  });
});

describe('station identity', () => {
  it('percent-decodes the identity from the URL', async () => {
    const t = await startCsms();
    const connected = nextEvent(t.csms, 'connected');
    await t.connect('CP 1');
    expect((await connected).station.identity).toBe('CP 1');
    expect(t.csms.station('CP 1')?.connection).toBe('open');
  });

  it.each([
    ['contains ":"', 'CP:1'],
    ['is longer than 48 characters', 'x'.repeat(49)],
  ])('refuses a 2.x identity that %s with HTTP 400', async (_what, identity) => {
    const t = await startCsms();
    const other = await t.boot('OTHER', 'ocpp2.0.1');
    const events = record(t.csms, 'authFailed', 'securityEvent');
    expect((await t.refused(identity, { protocols: ['ocpp2.0.1'] })).status).toBe(400);
    expect(events.authFailed).toMatchObject([{ status: 400, reason: 'invalid-identity' }]);
    expect(events.securityEvent).toMatchObject([{ type: 'INVALID_IDENTITY', identity }]);
    await expectServed(other);
  });

  it('accepts a 48-character 2.x identity and a 1.6 identity with ":"', async () => {
    const t = await startCsms();
    await t.connect('y'.repeat(48), { protocols: ['ocpp2.1'] });
    await t.connect('CP:1', { protocols: ['ocpp1.6'] });
    expect(t.csms.connectedCount).toBe(2);
  });
});

describe('security profile 1 (HTTP Basic)', () => {
  const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const passwords: Record<string, Buffer | string> = { CP1: 'correct horse battery', BIN: BINARY };
  const seen: AuthRequest[] = [];
  const auth = (req: AuthRequest) => {
    seen.push(req);
    if (req.identity === 'GHOST') return 'unknown' as const;
    const expected = passwords[req.identity];
    return expected !== undefined && req.password !== undefined && passwordMatches(req.password, expected);
  };
  const profile1 = () => startCsms({ securityProfile: 1, auth });

  it('answers 401 without credentials, with a challenge, and reports it', async () => {
    const t = await profile1();
    const events = record(t.csms, 'authFailed', 'securityEvent');
    const r = await t.refused('CP1');
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toMatch(/^Basic /);
    expect(events.authFailed).toMatchObject([{ status: 401, reason: 'auth-required' }]);
    expect(events.securityEvent).toMatchObject([{ type: 'AUTH_FAILED', identity: 'CP1' }]);
  });

  it('answers 401 to a wrong password and to credentials for another user name', async () => {
    const t = await profile1();
    const other = await t.connect('BIN', { auth: { password: BINARY } });
    const events = record(t.csms, 'authFailed', 'securityEvent');
    expect((await t.refused('CP1', { auth: { password: 'wrong' } })).status).toBe(401);
    expect((await t.refused('CP1', { auth: { user: 'CP2', password: passwords.CP1! } })).status).toBe(401);
    expect(events.authFailed.map((e) => e.status)).toEqual([401, 401]);
    expect(events.securityEvent.map((e) => e.type)).toEqual(['AUTH_FAILED', 'AUTH_FAILED']);
    expect(
      await other.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' }),
    ).toMatchObject([3, expect.any(String), { status: 'Accepted' }]);
  });

  it('connects with the right password and hands the auth callback the bytes', async () => {
    const t = await profile1();
    seen.length = 0;
    await t.connect('CP1', { auth: { password: passwords.CP1! } });
    expect(seen).toMatchObject([{ identity: 'CP1', protocol: 'ocpp1.6', remoteAddress: '127.0.0.1' }]);
    expect(seen[0]!.password?.toString('utf8')).toBe(passwords.CP1);
  });

  it('accepts a binary password with every byte value 0x00..0xff', async () => {
    const t = await profile1();
    seen.length = 0;
    await t.connect('BIN', { auth: { password: BINARY } });
    expect(Buffer.compare(seen[0]!.password!, BINARY)).toBe(0);
    expect((await t.refused('BIN', { auth: { password: BINARY.subarray(1) } })).status).toBe(401);
  });

  it("answers 404 when auth says 'unknown'", async () => {
    const t = await profile1();
    const failed = nextEvent(t.csms, 'authFailed');
    expect((await t.refused('GHOST', { auth: { password: 'whatever' } })).status).toBe(404);
    expect(await failed).toMatchObject({ status: 404, reason: 'unknown-station' });
  });
});

describe('auth callback faults', () => {
  it('answers 503 when the auth callback throws, and keeps serving', async () => {
    const t = await startCsms({
      securityProfile: 1,
      auth: (req) => {
        if (req.identity === 'BOOM') throw new Error('directory down');
        return true;
      },
    });
    const other = await t.connect('OK', { auth: { password: 'p' } });
    const failed = nextEvent(t.csms, 'authFailed');
    expect((await t.refused('BOOM', { auth: { password: 'p' } })).status).toBe(503);
    expect(await failed).toMatchObject({ status: 503, reason: 'auth-failed' });
    expect(await other.call('BootNotification', bootPayload('ocpp1.6'))).toMatchObject([
      3,
      expect.any(String),
      { status: 'Accepted' },
    ]);
  });

  it('answers 503 when the auth callback outlives handshakeTimeoutMs', async () => {
    const t = await startCsms({
      securityProfile: 1,
      handshakeTimeoutMs: 50,
      auth: () => new Promise<boolean>(() => {}),
    });
    const failed = nextEvent(t.csms, 'authFailed');
    expect((await t.refused('SLOW', { auth: { password: 'p' } })).status).toBe(503);
    expect(await failed).toMatchObject({ status: 503, reason: 'handshake-timeout' });
  });
});

describe('admission limits', () => {
  it('answers 503 beyond maxConnections and admits again once a station left', async () => {
    const t = await startCsms({ maxConnections: 2 });
    const a = await t.boot('A');
    await t.connect('B');
    const failed = nextEvent(t.csms, 'authFailed');
    expect((await t.refused('C')).status).toBe(503);
    expect(await failed).toMatchObject({ status: 503, reason: 'server-full' });
    await expectServed(a);
    const gone = nextEvent(t.csms, 'disconnected');
    await a.close();
    await gone;
    await t.connect('C');
  });

  it('answers 429 to an address over its connection rate', async () => {
    const t = await startCsms({ connectionRateLimit: { burst: 2, perSecond: 0.5 } });
    const a = await t.boot('A');
    await t.connect('B');
    const events = record(t.csms, 'authFailed', 'rateLimitExceeded', 'securityEvent');
    const r = await t.refused('C');
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBeDefined();
    expect(events.authFailed).toMatchObject([{ status: 429, reason: 'rate-limited' }]);
    expect(events.rateLimitExceeded).toHaveLength(1);
    expect(events.securityEvent).toMatchObject([{ type: 'RATE_LIMIT_EXCEEDED' }]);
    await expectServed(a);
  });
});

describe('upgrade requests ws would refuse', () => {
  it.each([
    ['a malformed Sec-WebSocket-Key', { key: 'not-a-key' }, 400, 'invalid-upgrade'],
    ['an unsupported Sec-WebSocket-Version', { version: '12' }, 400, 'unsupported-websocket-version'],
    ['a malformed Sec-WebSocket-Protocol', { protocols: 'ocpp1.6,,ocpp2.0.1' }, 400, 'invalid-upgrade'],
    ['a duplicated subprotocol', { protocols: 'ocpp1.6, ocpp1.6' }, 400, 'invalid-upgrade'],
    ['a POST', { method: 'POST' }, 405, 'method-not-allowed'],
  ] as const)('%s is refused before any policy or auth work', async (_what, request, status, reason) => {
    const asked: string[] = [];
    const t = await startCsms({
      securityProfile: 1,
      auth: ({ identity }) => {
        asked.push(identity);
        return true;
      },
    });
    const events = record(t.csms, 'authFailed');
    const peer = await rawPeer(Number(new URL(t.url).port));
    peer.write(upgradeRequest({ path: '/CP1', basic: 'CP1:pw', ...request }));
    await peer.waitFor(new RegExp(`^HTTP/1\\.1 ${status}`));
    peer.reset();
    expect(asked).toEqual([]);
    expect(events.authFailed).toMatchObject([{ status, reason }]);
    if (reason === 'unsupported-websocket-version')
      expect(peer.received().toString()).toMatch(/Sec-WebSocket-Version: 13, 8/);
  });
});
