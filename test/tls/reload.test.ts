/** Certificate hot reload: new handshakes get the new material, connected stations stay. */
import { X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCsms } from '../../src/actors/csms.js';
import { OptionsError } from '../../src/actors/errors.js';
import type { CsmsOptions } from '../../src/actors/options.js';
import type { CsmsEventMap } from '../../src/hooks/types.js';
import { passwordMatches } from '../../src/transport/handshake.js';
import { connectExpectingHttpError } from '../support/station-socket.js';
import { createTestPki, type KeyPair, type TestPki } from './certs.js';
import {
  bootPayload16,
  cleanup,
  handshake,
  rawStation,
  record,
  startTlsCsms,
  station,
  tlsOf,
} from './helpers.js';

let pki: TestPki;
let client: KeyPair;
let foreignClient: KeyPair;
beforeAll(async () => {
  pki = await createTestPki();
  [client, foreignClient] = await Promise.all([
    pki.client('CP-B'),
    pki.client('CP-C', { signer: 'otherCa' }),
  ]);
});
afterAll(() => pki?.remove());
afterEach(cleanup);

const PASSWORD = 'correct-horse-battery';
const serialOf = (pem: string) => new X509Certificate(pem).serialNumber;

describe('updateTls', () => {
  it('serves the new certificate to new handshakes while connected stations stay and are served', async () => {
    const updates: CsmsEventMap['tlsUpdated'][] = [];
    const options: CsmsOptions = {
      securityProfile: 2,
      tls: { cert: pki.server.cert, key: pki.server.key },
      auth: ({ password }) => password !== undefined && passwordMatches(password, PASSWORD),
      plugins: [{ name: 'watch', onTLSUpdate: (tls) => updates.push({ at: new Date(), tls }) }],
    };
    const { csms, url, port } = await startTlsCsms(options);
    const events = record(csms, 'disconnected', 'tlsUpdated');
    const a = station({
      url,
      identity: 'CP-A',
      protocols: ['ocpp1.6'],
      password: PASSWORD,
      tls: { ca: pki.ca.cert },
    });
    await a.connect();
    await a.call('BootNotification', bootPayload16());
    const before = await rawStation(url, 'CP-OLD', {
      auth: { password: PASSWORD },
      tls: { ca: pki.ca.cert },
    });
    const oldSerial = tlsOf(before.ws).getPeerCertificate().serialNumber;
    expect(oldSerial).toBe(serialOf(pki.server.cert));

    csms.updateTls({ cert: pki.server2.cert, key: pki.server2.key });

    expect(events.tlsUpdated).toHaveLength(1);
    expect(updates).toHaveLength(1);
    const b = await rawStation(url, 'CP-B', { auth: { password: PASSWORD }, tls: { ca: pki.ca.cert } });
    const peer = tlsOf(b.ws).getPeerCertificate();
    expect(peer.serialNumber).toBe(serialOf(pki.server2.cert));
    expect(peer.subject).toMatchObject({ CN: 'localhost', O: 'Reloaded' });
    expect((await handshake(port, { ca: pki.ca.cert })).certificate.serialNumber).toBe(peer.serialNumber);

    // A and the raw station from before still run on their old sessions.
    expect(a.connected).toBe(true);
    await expect(a.call('Heartbeat', {})).resolves.toMatchObject({ currentTime: expect.any(String) });
    expect(before.isOpen).toBe(true);
    expect(tlsOf(before.ws).getPeerCertificate().serialNumber).toBe(oldSerial);
    expect(events.disconnected).toEqual([]);
    expect(csms.connectedCount).toBe(3);
    expect(csms.options.tls?.cert).toBe(pki.server2.cert);
  });

  it('refuses a key that does not match the certificate and keeps serving the old one', async () => {
    const { csms, url, port } = await startTlsCsms({
      securityProfile: 2,
      tls: { cert: pki.server.cert, key: pki.server.key },
      auth: () => true,
    });
    const events = record(csms, 'tlsUpdated');
    expect(() => csms.updateTls({ cert: pki.server2.cert })).toThrow(OptionsError);
    expect(() => csms.updateTls({ key: pki.server2.key })).toThrow(/key 1 matches no certificate/);
    expect(() => csms.updateTls({ minVersion: 'TLSv1' as 'TLSv1.2' })).toThrow(/TLS 1\.2/);
    expect(events.tlsUpdated).toEqual([]);
    expect((await handshake(port, { ca: pki.ca.cert })).certificate.serialNumber).toBe(
      serialOf(pki.server.cert),
    );
    await rawStation(url, 'CP-1', { auth: { password: 'x' }, tls: { ca: pki.ca.cert } });
  });

  it('rotates the station CA (profile 3): stations of the old CA stay, new ones need the new CA', async () => {
    const { csms, url } = await startTlsCsms({
      securityProfile: 3,
      tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert },
    });
    const b = await rawStation(url, 'CP-B', { tls: { ca: pki.ca.cert, cert: client.cert, key: client.key } });
    await expect(
      connectExpectingHttpError(url, 'CP-C', {
        tls: { ca: pki.ca.cert, cert: foreignClient.cert, key: foreignClient.key },
      }),
    ).rejects.toThrow();

    csms.updateTls({ ca: pki.otherCa.cert });

    await rawStation(url, 'CP-C', {
      tls: { ca: pki.ca.cert, cert: foreignClient.cert, key: foreignClient.key },
    });
    await expect(
      connectExpectingHttpError(url, 'CP-B', {
        tls: { ca: pki.ca.cert, cert: client.cert, key: client.key },
      }),
    ).rejects.toThrow();
    expect(b.isOpen).toBe(true);
    await expect(b.call('BootNotification', bootPayload16())).resolves.toMatchObject([
      3,
      expect.any(String),
      {},
    ]);
  });

  it('is refused without TLS', () => {
    expect(() => createCsms().updateTls({ cert: pki.server.cert, key: pki.server.key })).toThrow(
      /profile 0 has no TLS/,
    );
  });
});
