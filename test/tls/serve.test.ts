/** `ocpp-actors serve` with security profiles: flags, the password file, and reloading files. */
import { type ChildProcess, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { parseServeArgs, type RunningServer, type ServeOptions, startServer } from '../../src/cli/serve.js';
import { parsePasswordFile } from '../../src/cli/serve-security.js';
import { connectExpectingHttpError } from '../support/station-socket.js';
import { createTestPki, type TestPki } from './certs.js';
import { bootPayload16, cleanup, handshake, rawStation, track } from './helpers.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(() => pki?.remove());
afterEach(cleanup);

const serialOf = (pem: string) => new X509Certificate(pem).serialNumber;

describe('password file', () => {
  it('reads identity:password lines, the password being everything after the first colon', () => {
    const table = parsePasswordFile('# stations\n\nCP-1:secret:with:colons\r\nCP-2: spaced \n');
    expect([...table.keys()]).toEqual(['CP-1', 'CP-2']);
    expect(table.get('CP-1')!.toString()).toBe('secret:with:colons');
    expect(table.get('CP-2')!.toString()).toBe(' spaced ');
  });

  it('names the line of a mistake without echoing passwords', () => {
    expect(() => parsePasswordFile('CP-1 hunter2', 'pw.txt')).toThrow('pw.txt:1: expected identity:password');
    expect(() => parsePasswordFile('CP-1:a\nCP-1:hunter2', 'pw.txt')).toThrow(
      'pw.txt:2: CP-1 is listed twice',
    );
    expect(() => parsePasswordFile('CP-1:', 'pw.txt')).toThrow('pw.txt:1: empty password');
    expect(() => parsePasswordFile('CP-1:a\nCP-1:hunter2')).not.toThrow(/hunter2/);
  });
});

describe('serve flags', () => {
  const parse = (...args: string[]) => parseServeArgs(args, '0.0.0');

  it('takes the security profile, certificate files and password file', () => {
    expect(
      parse('--security-profile', '2', '--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--password-file', 'pw'),
    ).toMatchObject({ securityProfile: 2, tlsCert: 'c.pem', tlsKey: 'k.pem', passwordFile: 'pw' });
    expect(parse()).toMatchObject({ securityProfile: 0, port: 9000 });
  });

  it('explains unusable combinations', () => {
    const error = (...args: string[]) => {
      try {
        parse(...args);
        return undefined;
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as UsageError).message;
      }
    };
    expect(error('--security-profile', '4')).toMatch(/0, 1, 2 or 3/);
    expect(error('--security-profile', '2', '--password-file', 'pw')).toMatch(/--tls-cert and --tls-key/);
    expect(error('--security-profile', '2', '--tls-cert', 'c', '--tls-key', 'k')).toMatch(/--password-file/);
    expect(error('--security-profile', '3', '--tls-cert', 'c', '--tls-key', 'k')).toMatch(/--tls-ca/);
    expect(error('--tls-cert', 'c')).toMatch(/unencrypted/);
    expect(error('--security-profile', '1')).toMatch(/--password-file/);
  });
});

describe('serve with TLS', () => {
  async function start(o: Partial<ServeOptions>): Promise<RunningServer> {
    const base = { port: 0, host: '127.0.0.1', quiet: true, version: '0.0.0', securityProfile: 0 } as const;
    const server = await startServer({ ...base, ...o }, () => {});
    track({ close: () => server.csms.close({ drainMs: 0 }) });
    return server;
  }

  it('serves profile 2 from files and reloads certificate and passwords without dropping stations', async () => {
    const cert = join(pki.dir, 'serve-cert.pem');
    const key = join(pki.dir, 'serve-key.pem');
    const passwords = join(pki.dir, 'serve-passwords.txt');
    await Promise.all([
      copyFile(pki.server.certPath, cert),
      copyFile(pki.server.keyPath, key),
      writeFile(passwords, 'CP-1:first-password-16\n'),
    ]);
    const server = await start({ securityProfile: 2, tlsCert: cert, tlsKey: key, passwordFile: passwords });
    expect(server.url).toBe(`wss://127.0.0.1:${server.port}`);
    const tls = { ca: pki.ca.cert };
    const one = await rawStation(server.url, 'CP-1', { auth: { password: 'first-password-16' }, tls });
    expect(
      (await connectExpectingHttpError(server.url, 'CP-1', { auth: { password: 'nope' }, tls })).status,
    ).toBe(401);
    expect(
      (await connectExpectingHttpError(server.url, 'CP-X', { auth: { password: 'x' }, tls })).status,
    ).toBe(404);

    await Promise.all([
      copyFile(pki.server2.certPath, cert),
      copyFile(pki.server2.keyPath, key),
      writeFile(passwords, 'CP-1:second-password-16\nCP-2:another-password-16\n'),
    ]);
    expect(await server.reload()).toEqual(['certificates', '2 passwords']);

    expect((await handshake(server.port, tls)).certificate.serialNumber).toBe(serialOf(pki.server2.cert));
    await rawStation(server.url, 'CP-2', { auth: { password: 'another-password-16' }, tls });
    expect(
      (await connectExpectingHttpError(server.url, 'CP-1', { auth: { password: 'first-password-16' }, tls }))
        .status,
    ).toBe(401);
    expect(one.isOpen).toBe(true);
    await expect(one.call('BootNotification', bootPayload16())).resolves.toMatchObject([
      3,
      expect.any(String),
      { status: 'Accepted' },
    ]);

    // A broken file changes nothing.
    await copyFile(pki.server.keyPath, key);
    await expect(server.reload()).rejects.toThrow(/tls.key: none matches the certificate CN=localhost/);
    expect((await handshake(server.port, tls)).certificate.serialNumber).toBe(serialOf(pki.server2.cert));
    await rawStation(server.url, 'CP-1', { auth: { password: 'second-password-16' }, tls });
  });

  it('runs from the command line with profile 3 and reloads on SIGHUP', async () => {
    const station = await pki.client('CP-1');
    const child = spawn(
      process.execPath,
      [
        ...['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--host', '127.0.0.1'],
        ...['--security-profile', '3', '--tls-cert', pki.server.certPath, '--tls-key', pki.server.keyPath],
        ...['--tls-ca', pki.ca.certPath],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    track({ close: () => stopChild(child) });
    const output = collect(child);
    const banner = await output.waitFor(/listening on (wss:\/\/127\.0\.0\.1:\d+)/);
    const url = banner[1]!;
    expect(banner.input).toMatch(/security profile 3/);
    const s = await rawStation(url, 'CP-1', {
      tls: { ca: pki.ca.cert, cert: station.cert, key: station.key },
    });
    await output.waitFor(/connected CP-1 ocpp1\.6/);
    child.kill('SIGHUP');
    await output.waitFor(/SIGHUP: reloaded certificates/);
    expect(s.isOpen).toBe(true);
    await expect(connectExpectingHttpError(url, 'CP-1', { tls: { ca: pki.ca.cert } })).rejects.toThrow();
    await output.waitFor(/refused TLS from 127\.0\.0\.1: CERTIFICATE_REJECTED NO_CERTIFICATE/);
  });

  it('exits with 2 on unusable flags', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--security-profile', '3', '--tls-cert', 'c.pem'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output = collect(child);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(output.text()).toMatch(/needs --tls-cert and --tls-key/);
  });
});

function collect(child: ChildProcess) {
  let text = '';
  const waiters: (() => void)[] = [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  return {
    text: () => text,
    waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} in output:\n${text}`)), timeoutMs);
        const check = () => {
          const m = pattern.exec(text);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
