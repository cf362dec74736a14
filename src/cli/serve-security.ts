/**
 * The security profile of `ocpp-actors serve`: certificate files, the password file, and reloading both
 * (SIGHUP) without dropping connected stations.
 */
import { readFile } from 'node:fs/promises';
import type { Csms } from '../actors/csms.js';
import type { AuthCallback, CsmsOptions } from '../actors/options.js';
import { passwordMatches } from '../transport/handshake.js';
import { UsageError } from './args.js';

export interface SecurityFlags {
  securityProfile: 0 | 1 | 2 | 3;
  /** PEM file paths. */
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  tlsCa?: string | undefined;
  /** `identity:password` lines (profiles 1 and 2). */
  passwordFile?: string | undefined;
}

/** What is wrong with a combination of flags; empty when it is usable. */
export function securityFlagProblems(f: SecurityFlags): string[] {
  const problems: string[] = [];
  const tls = f.securityProfile >= 2;
  if (!tls && (f.tlsCert || f.tlsKey || f.tlsCa))
    problems.push(`--tls-* needs --security-profile 2 or 3 (profile ${f.securityProfile} is unencrypted)`);
  if (tls && (!f.tlsCert || !f.tlsKey))
    problems.push(`--security-profile ${f.securityProfile} needs --tls-cert and --tls-key`);
  if (f.securityProfile === 3 && !f.tlsCa)
    problems.push('--security-profile 3 needs --tls-ca (the CA that signs station certificates)');
  if ((f.securityProfile === 1 || f.securityProfile === 2) && !f.passwordFile)
    problems.push(`--security-profile ${f.securityProfile} needs --password-file`);
  if ((f.securityProfile === 0 || f.securityProfile === 3) && f.passwordFile)
    problems.push(
      `--password-file is for profiles 1 and 2 (profile ${f.securityProfile} ${f.securityProfile === 0 ? 'has no auth' : 'authenticates with client certificates'})`,
    );
  return problems;
}

/**
 * `identity:password` per line; the password is everything after the first ':', as UTF-8 bytes, so it
 * may contain ':' and the identity may not (as in 2.x, where ':' is forbidden in identities). Blank
 * lines and lines starting with '#' are skipped. Errors name the line, never the password.
 */
export function parsePasswordFile(text: string, source = 'password file'): Map<string, Buffer> {
  const passwords = new Map<string, Buffer>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const colon = line.indexOf(':');
    const where = `${source}:${i + 1}`;
    if (colon <= 0) throw new Error(`${where}: expected identity:password`);
    const identity = line.slice(0, colon);
    const password = line.slice(colon + 1);
    if (password.length === 0) throw new Error(`${where}: empty password for ${identity}`);
    if (passwords.has(identity)) throw new Error(`${where}: ${identity} is listed twice`);
    passwords.set(identity, Buffer.from(password, 'utf8'));
  });
  return passwords;
}

interface Loaded {
  tls: { cert: Buffer; key: Buffer; ca?: Buffer } | undefined;
  passwords: Map<string, Buffer> | undefined;
}

/** The files behind the flags, read together so a reload applies all of them or none. */
export class ServeSecurity {
  private passwords = new Map<string, Buffer>();
  private tls: Loaded['tls'];

  private constructor(private readonly flags: SecurityFlags) {}

  static async load(flags: SecurityFlags): Promise<ServeSecurity> {
    const problems = securityFlagProblems(flags);
    if (problems.length) throw new UsageError(problems.join('\n'), 'serve');
    const s = new ServeSecurity(flags);
    s.apply(await s.read());
    return s;
  }

  /** The CSMS options for the profile. */
  csmsOptions(): Pick<CsmsOptions, 'securityProfile' | 'auth' | 'tls'> {
    const auth: AuthCallback = ({ identity, password }) => {
      const expected = this.passwords.get(identity);
      if (!expected) return 'unknown';
      return password !== undefined && passwordMatches(password, expected);
    };
    return {
      securityProfile: this.flags.securityProfile,
      ...(this.flags.passwordFile ? { auth } : {}),
      ...(this.tls ? { tls: { ...this.tls } } : {}),
    };
  }

  /**
   * Re-read every file; the certificates go to `csms.updateTls` (stations stay connected), the
   * passwords apply to the next handshake. On any error nothing changes. Returns what was reloaded.
   */
  async reload(csms: Csms): Promise<string[]> {
    const next = await this.read();
    if (next.tls) csms.updateTls(next.tls);
    this.apply(next);
    return [
      ...(next.tls ? ['certificates'] : []),
      ...(next.passwords ? [`${next.passwords.size} passwords`] : []),
    ];
  }

  private async read(): Promise<Loaded> {
    const f = this.flags;
    const [cert, key, ca, passwords] = await Promise.all([
      readFlagFile('--tls-cert', f.tlsCert),
      readFlagFile('--tls-key', f.tlsKey),
      readFlagFile('--tls-ca', f.tlsCa),
      readFlagFile('--password-file', f.passwordFile).then((b) => b?.toString('utf8')),
    ]);
    return {
      tls: cert && key ? { cert, key, ...(ca ? { ca } : {}) } : undefined,
      passwords: passwords === undefined ? undefined : parsePasswordFileFlag(passwords, f.passwordFile),
    };
  }

  private apply(loaded: Loaded): void {
    if (loaded.tls) this.tls = loaded.tls;
    if (loaded.passwords) this.passwords = loaded.passwords;
  }
}

/** A file named by a flag; an unreadable one is a usage error that names the flag, the path and why. */
async function readFlagFile(flag: string, path: string | undefined): Promise<Buffer | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new UsageError(`${flag} ${path}: cannot read the file (${why})`, 'serve');
  }
}

function parsePasswordFileFlag(text: string, path: string | undefined): Map<string, Buffer> {
  try {
    return parsePasswordFile(text, path);
  } catch (error) {
    throw new UsageError(`--password-file ${error instanceof Error ? error.message : error}`, 'serve');
  }
}
