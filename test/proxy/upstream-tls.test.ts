/**
 * Security profile 3 on the upstream leg: the proxy presents a client certificate to a wss:// CSMS that
 * requires one (mutual TLS, the certificate's CN bound to the station identity). Real TLS with a PKI the
 * test makes (openssl); 1.6 stations over plain ws to the proxy, 2.1 over TLS to our CSMS.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuthRequest } from '../../src/actors/options.js';
import { parseProxyArgs, type RunningProxy, startProxyServer } from '../../src/cli/proxy.js';
import { CsmsAdapter, OCPPProtocolProxy, presets } from '../../src/proxy/index.js';
import { connectExpectingHttpError, connectStation, type StationSocket } from '../support/station-socket.js';
import { createTestPki, type KeyPair, type TestPki } from '../tls/certs.js';
import { cleanup, startTlsCsms } from '../tls/helpers.js';

let pki: TestPki;
let cp1: KeyPair;
let cp2: KeyPair;
beforeAll(async () => {
  pki = await createTestPki();
  [cp1, cp2] = await Promise.all([pki.client('CP-1'), pki.client('CP-2')]);
});
afterAll(() => pki?.remove());

let proxy: OCPPProtocolProxy | undefined;
let running: RunningProxy | undefined;
const stations: StationSocket[] = [];
afterEach(async () => {
  await Promise.all(stations.splice(0).map((s) => s.close()));
  await proxy?.close();
  await running?.close();
  proxy = running = undefined;
  await cleanup();
});

const BOOT16 = { chargePointVendor: 'V', chargePointModel: 'M' };

/** Our CSMS with profile 3 over TLS; records the certificate subject each accepted station presented. */
async function profile3Csms(): Promise<{ url: string; subjects: string[] }> {
  const subjects: string[] = [];
  const { url } = await startTlsCsms({
    securityProfile: 3,
    tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert },
    auth: (req: AuthRequest) => {
      subjects.push(`${req.identity}=${req.certificate?.subject.CN}`);
      return true;
    },
  });
  return { url, subjects };
}

async function proxyTo(url: string, options: Partial<ConstructorParameters<typeof OCPPProtocolProxy>[0]>) {
  proxy = new OCPPProtocolProxy({ upstreamEndpoint: url, upstreamProtocol: 'ocpp2.1', ...options });
  proxy.translate(presets.ocpp16_to_ocpp21);
  const adapter = new CsmsAdapter({ port: 0, host: '127.0.0.1', protocols: ['ocpp1.6'] });
  await proxy.listenOnAdapter(adapter);
  return `ws://127.0.0.1:${adapter.port}`;
}

async function bootThrough(url: string, identity: string): Promise<void> {
  const s = await connectStation(url, identity, { timeoutMs: 8_000 });
  stations.push(s);
  expect(await s.call('BootNotification', BOOT16)).toMatchObject([
    3,
    expect.any(String),
    { status: 'Accepted' },
  ]);
}

describe('profile-3 client certificates on the upstream leg', () => {
  it('one certificate for every leg (upstream.tls): the CSMS sees it; another identity is refused 403 at the handshake', async () => {
    const csms = await profile3Csms();
    const url = await proxyTo(csms.url, {
      upstream: { tls: { ca: pki.ca.cert, cert: cp1.cert, key: cp1.key } },
    });
    await bootThrough(url, 'CP-1');
    expect(csms.subjects).toEqual(['CP-1=CP-1']);
    // CP-2 behind the same certificate: the CSMS's certificate-mismatch refusal is CP-2's answer.
    expect((await connectExpectingHttpError(url, 'CP-2', { timeoutMs: 8_000 })).status).toBe(403);
  });

  it('each station its own certificate (upstreamFor); a station without one is refused at its handshake', async () => {
    const csms = await profile3Csms();
    const own: Record<string, KeyPair> = { 'CP-1': cp1, 'CP-2': cp2 };
    const url = await proxyTo(csms.url, {
      upstream: { tls: { ca: pki.ca.cert } },
      upstreamFor: ({ identity }) => {
        const pair = own[identity];
        return pair ? { tls: { ca: pki.ca.cert, cert: pair.cert, key: pair.key } } : undefined;
      },
      admission: { whenUpstreamDown: 'refuse' },
    });
    await bootThrough(url, 'CP-1');
    await bootThrough(url, 'CP-2');
    expect(csms.subjects).toEqual(['CP-1=CP-1', 'CP-2=CP-2']);
    const refused = await connectExpectingHttpError(url, 'CP-3', { timeoutMs: 8_000 });
    // No certificate: our CSMS ends the TLS handshake itself (no HTTP status to pass on), which the
    // proxy counts as the CSMS being down: refused with 503, as `whenUpstreamDown: 'refuse'` asks.
    expect(refused.status).toBe(503);
    expect(proxy!.connections).toBe(2);
  });

  it('the CLI: --upstream-ca and --upstream-cert-dir (DIR/<identity>.pem and .key)', async () => {
    const csms = await profile3Csms();
    const dir = await mkdtemp(join(tmpdir(), 'proxy-certs-'));
    try {
      await writeFile(join(dir, 'CP-2.pem'), cp2.cert);
      await writeFile(join(dir, 'CP-2.key'), cp2.key);
      const o = parseProxyArgs(
        ['--port', '0', '--upstream', csms.url, '--upstream-ca', pki.ca.certPath, '--upstream-cert-dir', dir],
        'test',
      );
      if (o === 'help') throw new Error('help');
      running = await startProxyServer(o, () => {});
      const url = `ws://127.0.0.1:${running.port}`;
      await bootThrough(url, 'CP-2');
      expect(csms.subjects).toEqual(['CP-2=CP-2']);
      expect(() => parseProxyArgs(['--upstream', 'ws://x:1', '--upstream-ca', pki.ca.certPath], 't')).toThrow(
        /need a wss:\/\/ --upstream/,
      );
      expect(() => parseProxyArgs(['--upstream', csms.url, '--upstream-cert', cp1.certPath], 't')).toThrow(
        /go together/,
      );
      expect(() =>
        parseProxyArgs(['--upstream', csms.url, '--upstream-cert-dir', join(dir, 'nope')], 't'),
      ).toThrow(/not a readable directory/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
