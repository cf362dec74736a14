/** Security profile 3: mutual TLS, the client certificate bound to the station identity. */
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCsms } from '../../src/actors/csms.js';
import { OptionsError } from '../../src/actors/errors.js';
import type { AuthRequest, CsmsOptions } from '../../src/actors/options.js';
import { connectExpectingHttpError } from '../support/station-socket.js';
import { createTestPki, type KeyPair, type TestPki } from './certs.js';
import {
  bootPayload16,
  cleanup,
  firstFailure,
  nextEvent,
  rawStation,
  record,
  startTlsCsms,
  station,
  track,
} from './helpers.js';

let pki: TestPki;
let good: KeyPair;
let foreign: KeyPair;
let expired: KeyPair;
beforeAll(async () => {
  pki = await createTestPki();
  [good, foreign, expired] = await Promise.all([
    pki.client('CP-1'),
    pki.client('CP-1', { signer: 'otherCa' }),
    pki.client('CP-1', { expired: true }),
  ]);
});
afterAll(() => pki?.remove());
afterEach(cleanup);

function profile3(extra: Partial<CsmsOptions> = {}): CsmsOptions {
  return {
    securityProfile: 3,
    tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert },
    ...extra,
  };
}
const withCert = (c: KeyPair) => ({ ca: pki.ca.cert, cert: c.cert, key: c.key });

describe('security profile 3', () => {
  it('accepts our station client with a certificate whose CN is its identity; auth sees the certificate', async () => {
    const seen: AuthRequest[] = [];
    const { csms, url } = await startTlsCsms(
      profile3({
        auth: (req) => {
          seen.push(req);
          return true;
        },
      }),
    );
    const s = station({ url, identity: 'CP-1', protocols: ['ocpp1.6'], tls: withCert(good) });
    await s.connect();
    await expect(s.call('BootNotification', bootPayload16())).resolves.toMatchObject({ status: 'Accepted' });
    expect(csms.connectedCount).toBe(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.password).toBeUndefined();
    expect(seen[0]!.certificate?.subject).toMatchObject({ CN: 'CP-1', O: 'Test CPO' });
  });

  it('needs no auth callback: the verified certificate is the credential', async () => {
    const { url } = await startTlsCsms(profile3());
    const s = await rawStation(url, 'CP-1', { tls: withCert(good) });
    expect(s.protocol).toBe('ocpp1.6');
  });

  it.each([
    ['a certificate from another CA', () => foreign, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['an expired certificate', () => expired, 'CERT_HAS_EXPIRED'],
  ])('cuts off %s in the TLS handshake, with a CERTIFICATE_REJECTED event', async (_, cert, reason) => {
    const { csms, url } = await startTlsCsms(profile3());
    const events = record(csms, 'authFailed', 'connected');
    const refused = nextEvent(csms, 'securityEvent');
    await expect(connectExpectingHttpError(url, 'CP-1', { tls: withCert(cert()) })).rejects.toThrow(
      /socket hang up|ECONNRESET|disconnected/,
    );
    const event = await refused;
    expect(event).toMatchObject({
      type: 'CERTIFICATE_REJECTED',
      remoteAddress: '127.0.0.1',
      details: { stage: 'tls', reason, certificate: { subject: 'CN=CP-1, O=Test CPO' } },
    });
    // Refused before any HTTP: no handshake event, no station.
    expect(events.authFailed).toEqual([]);
    expect(events.connected).toEqual([]);
    expect(csms.station('CP-1')).toBeUndefined();

    // Our client keeps retrying; each attempt fails the same way.
    const s = station({ url, identity: 'CP-1', tls: withCert(cert()) });
    expect((await firstFailure(s)).status).toBeUndefined();
  });

  it('cuts off a station without a certificate', async () => {
    const { csms, url } = await startTlsCsms(profile3());
    const refused = nextEvent(csms, 'securityEvent');
    await expect(connectExpectingHttpError(url, 'CP-1', { tls: { ca: pki.ca.cert } })).rejects.toThrow();
    expect(await refused).toMatchObject({
      type: 'CERTIFICATE_REJECTED',
      details: { reason: 'NO_CERTIFICATE' },
    });
  });

  it('answers 403 when the CN is not the identity, with a CERTIFICATE_REJECTED event', async () => {
    const { csms, url } = await startTlsCsms(profile3());
    const events = record(csms, 'authFailed', 'securityEvent');
    const refusal = await connectExpectingHttpError(url, 'CP-2', { tls: withCert(good) });
    expect(refusal.status).toBe(403);
    expect(refusal.body).toBe('certificate-mismatch\n');
    expect(refusal.headers['www-authenticate']).toBeUndefined();
    expect(events.authFailed).toMatchObject([{ status: 403, reason: 'certificate-mismatch' }]);
    expect(events.securityEvent).toMatchObject([
      {
        type: 'CERTIFICATE_REJECTED',
        identity: 'CP-2',
        details: {
          status: 403,
          reason: 'certificate-mismatch',
          certificate: { subject: 'CN=CP-1, O=Test CPO' },
        },
      },
    ]);
    // A Basic password does not stand in for the certificate.
    const s = station({ url, identity: 'CP-2', password: 'any-password-at-all', tls: withCert(good) });
    expect((await firstFailure(s)).status).toBe(403);
  });

  it('binds certificates to identities with certificateIdentity', async () => {
    const { url } = await startTlsCsms(
      profile3({ certificateIdentity: (c, identity) => `${c.subject.O}/${c.subject.CN}` === identity }),
    );
    await rawStation(url, 'Test CPO/CP-1', { tls: withCert(good), protocols: ['ocpp1.6'] });
    expect((await connectExpectingHttpError(url, 'CP-1', { tls: withCert(good) })).status).toBe(403);
  });

  it('works on an https server given to attach() that asks for certificates', async () => {
    const server = createHttpsServer({
      cert: pki.server.cert,
      key: pki.server.key,
      ca: pki.ca.cert,
      requestCert: true,
      rejectUnauthorized: true,
    });
    const csms = createCsms({ securityProfile: 3 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await csms.attach(server);
    track({
      close: async () => {
        await csms.close({ drainMs: 0 });
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    });
    const url = `wss://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await rawStation(url, 'CP-1', { tls: withCert(good) });
    expect((await connectExpectingHttpError(url, 'CP-9', { tls: withCert(good) })).status).toBe(403);
    // Node's own rejectUnauthorized cut this one off; the event still says why.
    const refused = nextEvent(csms, 'securityEvent');
    await expect(connectExpectingHttpError(url, 'CP-1', { tls: withCert(expired) })).rejects.toThrow();
    expect(await refused).toMatchObject({
      type: 'CERTIFICATE_REJECTED',
      details: { reason: 'CERT_HAS_EXPIRED' },
    });
  });

  it('answers 403 on an attached https server that does not ask for a certificate', async () => {
    const server = createHttpsServer({ cert: pki.server.cert, key: pki.server.key });
    const csms = createCsms({ securityProfile: 3 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await csms.attach(server);
    track({
      close: async () => {
        await csms.close({ drainMs: 0 });
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    });
    const url = `wss://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const refusal = await connectExpectingHttpError(url, 'CP-1', { tls: withCert(good) });
    expect(refusal).toMatchObject({ status: 403, body: 'certificate-required\n' });
  });
});

describe('TLS options', () => {
  const tls = () => ({ cert: pki.server.cert, key: pki.server.key });
  const issues = (o: CsmsOptions) => {
    try {
      createCsms(o);
    } catch (error) {
      expect(error).toBeInstanceOf(OptionsError);
      return (error as OptionsError).issues;
    }
    return [];
  };

  it('refuses inconsistent combinations', () => {
    expect(issues({ securityProfile: 2, tls: tls() })).toEqual([expect.stringMatching(/^auth: .*profile 2/)]);
    expect(issues({ securityProfile: 3, tls: tls() })).toEqual([expect.stringMatching(/^tls\.ca: /)]);
    expect(issues({ securityProfile: 1, auth: () => true, tls: tls() })).toEqual([
      expect.stringMatching(/^tls: .*unencrypted/),
    ]);
    expect(
      issues({ securityProfile: 3, tls: { ...tls(), ca: pki.ca.cert, minVersion: 'TLSv1.1' as 'TLSv1.2' } }),
    ).toEqual([expect.stringMatching(/^tls\.minVersion: .*TLS 1\.2/)]);
    expect(
      issues({ securityProfile: 3, tls: { ...tls(), ca: pki.ca.cert, certificate: 'x' } as never }),
    ).toEqual([expect.stringMatching(/^tls: .*certificate/)]);
    expect(() =>
      station({ url: 'wss://x', identity: 'A', tls: { minVersion: 'TLSv1.1' as 'TLSv1.2' } }),
    ).toThrow(/TLS 1\.2/);
  });

  it('needs matching tls material to listen, and an https server to attach with profile 3', async () => {
    const csms = createCsms({ securityProfile: 3 });
    track({ close: () => csms.close({ drainMs: 0 }) });
    await expect(csms.listen({ port: 0, host: '127.0.0.1' })).rejects.toThrow(/tls\.cert and tls\.key/);
    await expect(csms.attach(createHttpServer())).rejects.toThrow(/profile 3 needs an https server/);
    const mismatched = createCsms({
      securityProfile: 2,
      auth: () => true,
      tls: { cert: pki.server.cert, key: pki.serverEc.key },
    });
    track({ close: () => mismatched.close({ drainMs: 0 }) });
    await expect(mismatched.listen({ port: 0, host: '127.0.0.1' })).rejects.toThrow(
      /none matches the certificate/,
    );
  });
});
