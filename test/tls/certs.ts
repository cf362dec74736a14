/**
 * A throwaway PKI per test run, made with the openssl CLI in a temp dir: two CAs, server certificates
 * (RSA for the 1.6 rule and the TLS_RSA suites, ECDSA for the ECDHE_ECDSA ones) and station client
 * certificates. Every key is P-256 except the one RSA server key (the slow part), so a set takes about 0.3 s.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface KeyPair {
  readonly cert: string;
  readonly key: string;
  /** Where the PEMs are on disk (for the CLI tests). */
  readonly certPath: string;
  readonly keyPath: string;
}

export interface TestPki {
  readonly dir: string;
  readonly ca: KeyPair;
  /** A CA the CSMS does not trust. */
  readonly otherCa: KeyPair;
  /** CN=localhost, SAN localhost + 127.0.0.1, RSA 2048. */
  readonly server: KeyPair;
  /** The same names, another key (P-256), serial and O: what a hot reload swaps in. */
  readonly server2: KeyPair;
  /** CN=localhost, P-256: for the ECDHE_ECDSA suites. */
  readonly serverEc: KeyPair;
  /** Make a station certificate: CN = `cn`, signed by `ca` (default the trusted one). */
  client(cn: string, options?: { signer?: 'ca' | 'otherCa'; expired?: boolean }): Promise<KeyPair>;
  remove(): Promise<void>;
}

const REQ_CONFIG = '[req]\ndistinguished_name=dn\n[dn]\n';
const EXTENSIONS = [
  '[server]',
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=serverAuth',
  'subjectAltName=DNS:localhost,IP:127.0.0.1',
  '[client]',
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature',
  'extendedKeyUsage=clientAuth',
  '',
].join('\n');

export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'ocpp-tls-'));
  const path = (name: string) => join(dir, name);
  await writeFile(path('req.cnf'), REQ_CONFIG);
  await writeFile(path('ext.cnf'), EXTENSIONS);
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  const load = async (name: string): Promise<KeyPair> => ({
    cert: await readFile(path(`${name}.pem`), 'utf8'),
    key: await readFile(path(`${name}.key`), 'utf8'),
    certPath: path(`${name}.pem`),
    keyPath: path(`${name}.key`),
  });
  const newKey = (rsa: boolean) =>
    rsa ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];

  const makeCa = async (name: string, cn: string) => {
    await openssl(
      ...['req', '-config', 'req.cnf', '-x509', '-new', ...newKey(false), '-nodes'],
      ...['-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', `/CN=${cn}`, '-days', '2'],
      ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    );
    return load(name);
  };

  // `x509 -req` rather than `req -x509`: only it takes a negative -days, which makes an expired certificate.
  const makeLeaf = async (
    name: string,
    subject: string,
    o: { signer: string; kind: 'server' | 'client'; rsa?: boolean; days?: number },
  ) => {
    await openssl(
      ...['req', '-config', 'req.cnf', '-new', ...newKey(o.rsa ?? false), '-nodes'],
      ...['-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject],
    );
    await openssl(
      ...['x509', '-req', '-in', `${name}.csr`, '-CA', `${o.signer}.pem`, '-CAkey', `${o.signer}.key`],
      ...['-days', String(o.days ?? 2), '-extfile', 'ext.cnf', '-extensions', o.kind, '-out', `${name}.pem`],
    );
    return load(name);
  };

  const [ca, otherCa] = await Promise.all([makeCa('ca', 'Test CA'), makeCa('other-ca', 'Other CA')]);
  const [server, server2, serverEc] = await Promise.all([
    makeLeaf('server', '/CN=localhost', { signer: 'ca', kind: 'server', rsa: true }),
    makeLeaf('server2', '/CN=localhost/O=Reloaded', { signer: 'ca', kind: 'server' }),
    makeLeaf('server-ec', '/CN=localhost', { signer: 'ca', kind: 'server' }),
  ]);
  let clients = 0;
  return {
    dir,
    ca,
    otherCa,
    server,
    server2,
    serverEc,
    client: (cn, options = {}) =>
      makeLeaf(`client-${++clients}`, `/CN=${cn}/O=Test CPO`, {
        signer: options.signer === 'otherCa' ? 'other-ca' : 'ca',
        kind: 'client',
        days: options.expired ? -1 : 2,
      }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
