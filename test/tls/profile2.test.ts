/** Security profile 2: TLS (1.2 at least, the OCPP cipher suites) + HTTP Basic, with real handshakes. */
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuthRequest, CsmsOptions } from '../../src/actors/options.js';
import { passwordMatches } from '../../src/transport/handshake.js';
import { REQUIRED_CIPHERS } from '../../src/transport/tls.js';
import { connectExpectingHttpError } from '../support/station-socket.js';
import { createTestPki, type TestPki } from './certs.js';
import {
  cleanup,
  firstFailure,
  handshake,
  nextEvent,
  rawStation,
  record,
  startTlsCsms,
  station,
  tlsOf,
  track,
} from './helpers.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(() => pki?.remove());
afterEach(cleanup);

const PASSWORD = 'correct-horse-battery';

function profile2(extra: Partial<CsmsOptions> = {}): CsmsOptions {
  return {
    securityProfile: 2,
    tls: { cert: pki.server.cert, key: pki.server.key },
    auth: ({ password }) => password !== undefined && passwordMatches(password, PASSWORD),
    ...extra,
  };
}

describe('security profile 2', () => {
  it('connects our station client over wss with the CA and the Basic password', async () => {
    const seen: AuthRequest[] = [];
    const { csms, url } = await startTlsCsms(
      profile2({
        auth: (req) => {
          seen.push(req);
          return passwordMatches(req.password!, PASSWORD);
        },
      }),
    );
    const s = station({
      url,
      identity: 'CP-1',
      protocols: ['ocpp1.6'],
      password: PASSWORD,
      tls: { ca: pki.ca.cert },
    });
    await s.connect();
    await expect(
      s.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Test' }),
    ).resolves.toMatchObject({ status: 'Accepted' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.identity).toBe('CP-1');
    expect(seen[0]!.certificate).toBeUndefined();
    expect(csms.connectedCount).toBe(1);
  });

  it('negotiates TLS 1.3 by default and TLS 1.2 with a 1.2-only station', async () => {
    const { url } = await startTlsCsms(profile2());
    const tls13 = await rawStation(url, 'CP-13', { auth: { password: PASSWORD }, tls: { ca: pki.ca.cert } });
    expect(tlsOf(tls13.ws).getProtocol()).toBe('TLSv1.3');
    const tls12 = await rawStation(url, 'CP-12', {
      auth: { password: PASSWORD },
      tls: { ca: pki.ca.cert, maxVersion: 'TLSv1.2' },
    });
    expect(tlsOf(tls12.ws).getProtocol()).toBe('TLSv1.2');
  });

  it('answers 401 to a wrong or missing password, with an AUTH_FAILED security event', async () => {
    const { csms, url } = await startTlsCsms(profile2());
    const events = record(csms, 'securityEvent', 'authFailed');
    const wrong = await connectExpectingHttpError(url, 'CP-1', {
      auth: { password: 'not-the-password' },
      tls: { ca: pki.ca.cert },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/^Basic/);
    const missing = await connectExpectingHttpError(url, 'CP-1', { tls: { ca: pki.ca.cert } });
    expect(missing.status).toBe(401);
    expect(events.authFailed.map((e) => e.reason)).toEqual(['bad-credentials', 'auth-required']);
    expect(events.securityEvent.map((e) => e.type)).toEqual(['AUTH_FAILED', 'AUTH_FAILED']);

    const s = station({ url, identity: 'CP-2', password: 'not-the-password', tls: { ca: pki.ca.cert } });
    expect((await firstFailure(s)).status).toBe(401);
  });

  it('refuses plain ws:// on the TLS port', async () => {
    const { csms, port } = await startTlsCsms(profile2());
    const refused = nextEvent(csms, 'securityEvent');
    await expect(
      connectExpectingHttpError(`ws://127.0.0.1:${port}`, 'CP-1', { auth: { password: PASSWORD } }),
    ).rejects.toThrow();
    expect(await refused).toMatchObject({
      type: 'TLS_HANDSHAKE_FAILED',
      identity: undefined,
      remoteAddress: '127.0.0.1',
      details: { stage: 'tls', reason: 'ERR_SSL_HTTP_REQUEST' },
    });
    expect(csms.connectedCount).toBe(0);
  });

  it('refuses a TLS 1.1 client', async () => {
    const { csms, port, url } = await startTlsCsms(profile2());
    const refused = nextEvent(csms, 'securityEvent');
    // SECLEVEL=0 so OpenSSL 3 lets the client offer TLS 1.1 at all: the refusal must be the server's.
    const old = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } as const;
    await expect(handshake(port, { ca: pki.ca.cert, ...old })).rejects.toThrow(/protocol version/);
    expect(await refused).toMatchObject({
      type: 'TLS_HANDSHAKE_FAILED',
      details: { reason: 'ERR_SSL_UNSUPPORTED_PROTOCOL' },
    });
    await expect(
      connectExpectingHttpError(url, 'CP-1', {
        auth: { password: PASSWORD },
        tls: { ca: pki.ca.cert, ...old },
      }),
    ).rejects.toThrow();
  });

  it('supports the four cipher suites of A00.FR.317 with an RSA and an ECDSA certificate side by side', async () => {
    const { port } = await startTlsCsms(
      profile2({
        tls: { cert: [pki.server.cert, pki.serverEc.cert], key: [pki.server.key, pki.serverEc.key] },
      }),
    );
    const names: Record<string, string> = {
      'ECDHE-ECDSA-AES128-GCM-SHA256': 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
      'ECDHE-ECDSA-AES256-GCM-SHA384': 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
      'AES128-GCM-SHA256': 'TLS_RSA_WITH_AES_128_GCM_SHA256',
      'AES256-GCM-SHA384': 'TLS_RSA_WITH_AES_256_GCM_SHA384',
    };
    for (const suite of REQUIRED_CIPHERS) {
      const r = await handshake(port, { ca: pki.ca.cert, maxVersion: 'TLSv1.2', ciphers: suite });
      expect(r.cipher).toBe(names[suite]);
      // The ECDSA suites need the EC certificate, the RSA ones the RSA certificate.
      const ec = 'asn1Curve' in r.certificate;
      expect(ec).toBe(suite.startsWith('ECDHE-ECDSA'));
    }
  });

  it('is refused by our station client when the server certificate is from an unknown CA', async () => {
    const { csms, url } = await startTlsCsms(profile2());
    const s = station({ url, identity: 'CP-1', password: PASSWORD, tls: { ca: pki.otherCa.cert } });
    const failure = await firstFailure(s);
    expect(failure.status).toBeUndefined();
    expect(failure.error.cause).toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(csms.connectedCount).toBe(0);
  });

  it('has our station client refuse a server that only speaks TLS 1.1', async () => {
    const server = createTlsServer({
      cert: pki.server.cert,
      key: pki.server.key,
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    server.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    track({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    const { port } = server.address() as { port: number };
    const s = station({ url: `wss://127.0.0.1:${port}`, identity: 'CP-1', tls: { ca: pki.ca.cert } });
    const failure = await firstFailure(s);
    expect(String(failure.error.cause)).toMatch(/protocol version|unsupported protocol/i);
  });

  it('warns when 1.6 is served without an RSA certificate of at most 2048 bits', async () => {
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (_o: object, m?: string) => warnings.push(m ?? ''),
    };
    await startTlsCsms(profile2({ tls: { cert: pki.serverEc.cert, key: pki.serverEc.key }, logger }));
    expect(warnings).toEqual([expect.stringMatching(/RSA .*2048/)]);
    warnings.length = 0;
    await startTlsCsms(profile2({ logger }));
    await startTlsCsms(profile2({ protocols: ['ocpp2.0.1'], logger }));
    expect(warnings).toEqual([]);
  });
});
