/**
 * TLS for security profiles 2 (TLS + Basic auth) and 3 (TLS + client certificates): the options, the
 * https server, the client-certificate gate and the identity binding. See README "Security profiles".
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { RequestListener } from 'node:http';
import { createServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import {
  createSecureContext,
  DEFAULT_CIPHERS as NODE_DEFAULT_CIPHERS,
  type PeerCertificate,
  type SecureContextOptions,
  type TLSSocket,
  type Server as TlsServer,
} from 'node:tls';
import * as z from 'zod';
import { handshakeTimeoutOptions } from './http-timeouts.js';

const pem = z.union([z.string().min(1), z.instanceof(Buffer)]);
const pems = z.union([pem, z.array(pem).min(1)]);

/**
 * The four suites a CSMS SHALL support (OCPP 2.0.1 A00.FR.317, same list in the 1.6 security
 * whitepaper). Node's defaults include them today; naming them keeps them on if that ever changes.
 */
export const REQUIRED_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'AES128-GCM-SHA256',
  'AES256-GCM-SHA384',
] as const;

/** Node's default list (TLS 1.3 suites, ECDHE AEAD first) plus the required suites. */
export const DEFAULT_CIPHERS = `${NODE_DEFAULT_CIPHERS}:${REQUIRED_CIPHERS.join(':')}`;

/** A CSMS's TLS material. Unknown keys are refused: a typo must not silently drop, say, the CA. */
export const tlsOptionsSchema = z.strictObject({
  /** PEM certificate (chain); an array to serve an RSA and an ECDSA certificate side by side. */
  cert: pems,
  /** PEM private key(s), in the order of `cert`. */
  key: pems,
  /** Profile 3: the CA(s) station certificates must chain to (required there). */
  ca: pems.optional(),
  /** Certificate revocation list(s), PEM. */
  crl: pems.optional(),
  /** Of an encrypted `key`. */
  passphrase: z.string().optional(),
  /** OpenSSL cipher list; default `DEFAULT_CIPHERS`. */
  ciphers: z.string().min(1).optional(),
  /** TLS 1.2 at least; the 1.6 allowance of TLS 1.0/1.1 for stations that cannot do 1.2 is not offered. */
  minVersion: z
    .enum(['TLSv1.2', 'TLSv1.3'], {
      error: 'minVersion must be TLSv1.2 or TLSv1.3: OCPP needs TLS 1.2 at least',
    })
    .default('TLSv1.2'),
});

export type CsmsTlsOptions = z.input<typeof tlsOptionsSchema>;
export type ResolvedTlsOptions = z.output<typeof tlsOptionsSchema>;

/** Binds a verified client certificate to the identity in the URL; true accepts. */
export type CertificateIdentity = (certificate: PeerCertificate, identity: string) => boolean;

/**
 * Profile 3 default: the subject CN is the identity (the spec's "CN = Charging Station serial number",
 * which is the identity). A certificate with several CNs is ambiguous and never matches.
 */
export const defaultCertificateIdentity: CertificateIdentity = (certificate, identity) => {
  const cn: unknown = certificate.subject?.CN;
  return typeof cn === 'string' && cn === identity;
};

/** What security events say about a certificate. */
export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly validTo: string;
  readonly fingerprint256: string;
}

export function summarizeCertificate(c: PeerCertificate): CertificateSummary {
  const dn = (name: PeerCertificate['subject'] | undefined) =>
    Object.entries(name ?? {})
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
      .join(', ');
  return {
    subject: dn(c.subject),
    issuer: dn(c.issuer),
    serialNumber: c.serialNumber,
    validTo: c.valid_to,
    fingerprint256: c.fingerprint256,
  };
}

/** A TLS handshake the server refused or that failed for a reason worth a security event. */
export interface TlsRefusal {
  readonly type: 'CERTIFICATE_REJECTED' | 'TLS_HANDSHAKE_FAILED';
  readonly remoteAddress: string | undefined;
  /** The verify error (CERT_HAS_EXPIRED, UNABLE_TO_VERIFY_LEAF_SIGNATURE, …), NO_CERTIFICATE, or OpenSSL's code. */
  readonly reason: string;
  readonly certificate?: CertificateSummary;
}

export interface TlsServerEvents {
  refused(refusal: TlsRefusal): void;
  /** A handshake that ended for a non-security reason (reset, timeout). */
  failed(error: Error, remoteAddress: string | undefined): void;
}

export function secureContextOptions(tls: ResolvedTlsOptions): SecureContextOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    ca: tls.ca,
    crl: tls.crl,
    passphrase: tls.passphrase,
    ciphers: tls.ciphers ?? DEFAULT_CIPHERS,
    minVersion: tls.minVersion,
  };
}

/**
 * What is wrong with `tls` as a server's material; empty when usable. Node accepts a key of another
 * type than the certificate (an RSA key beside an ECDSA certificate) without complaint and fails every
 * handshake later, so each certificate must have its key and each key its certificate.
 */
export function tlsProblems(tls: ResolvedTlsOptions): string[] {
  const list = <T>(v: T | T[]) => (Array.isArray(v) ? v : [v]);
  let certs: X509Certificate[];
  let keys: KeyObject[];
  try {
    certs = list(tls.cert).map((c) => new X509Certificate(c));
  } catch (error) {
    return [`tls.cert: ${(error as Error).message}`];
  }
  try {
    keys = list(tls.key).map((k) => createPrivateKey({ key: k, passphrase: tls.passphrase }));
  } catch (error) {
    return [`tls.key: ${(error as Error).message}`];
  }
  const problems: string[] = [];
  for (const c of certs) {
    if (!keys.some((k) => c.checkPrivateKey(k)))
      problems.push(`tls.key: none matches the certificate ${c.subject.replaceAll('\n', ', ')}`);
  }
  keys.forEach((k, i) => {
    if (!certs.some((c) => c.checkPrivateKey(k)))
      problems.push(`tls.key: key ${i + 1} matches no certificate`);
  });
  if (problems.length) return problems;
  try {
    createSecureContext(secureContextOptions(tls));
  } catch (error) {
    return [`tls: ${(error as Error).message}`];
  }
  return [];
}

/**
 * The https server of `listen()` for profiles 2 and 3. Profile 3 asks for a client certificate and cuts
 * off an unverified one (untrusted CA, expired, revoked, none) as soon as the handshake completes, before
 * the HTTP layer reads a byte. Node's `rejectUnauthorized` would do the same, but it destroys the socket
 * before its address and certificate can be read; checking here lets the event name both.
 */
export function createTlsServer(
  tls: ResolvedTlsOptions,
  profile: 2 | 3,
  handshakeTimeoutMs: number,
  listener: RequestListener,
  events: TlsServerEvents,
): HttpsServer {
  const server = createServer(
    {
      ...secureContextOptions(tls),
      requestCert: profile === 3,
      rejectUnauthorized: false,
      // Node's default is 120 s: a slow or stalled handshake should not hold a socket longer than an upgrade may take.
      ...(handshakeTimeoutMs > 0 ? { handshakeTimeout: handshakeTimeoutMs } : {}),
      ...handshakeTimeoutOptions(handshakeTimeoutMs),
    },
    listener,
  );
  if (profile === 3) {
    server.prependListener('secureConnection', (socket: TLSSocket) => {
      if (socket.authorized) return;
      const peer = socket.getPeerCertificate();
      events.refused({
        type: 'CERTIFICATE_REJECTED',
        remoteAddress: socket.remoteAddress,
        reason: peer?.raw ? String(socket.authorizationError) : 'NO_CERTIFICATE',
        ...(peer?.raw ? { certificate: summarizeCertificate(peer) } : {}),
      });
      socket.destroy();
    });
  }
  watchTlsErrors(server, events);
  return server;
}

/**
 * Report failed TLS handshakes of `server` (ours or one given to `attach`). OpenSSL refusals (plain HTTP
 * on the TLS port, a protocol version under the minimum, no shared cipher, a client certificate refused
 * by a server with `rejectUnauthorized`) are security events; resets and timeouts are transport errors.
 */
export function watchTlsErrors(server: TlsServer, events: TlsServerEvents): () => void {
  const onError = (error: Error & { code?: string }, socket: TLSSocket) => {
    const remoteAddress = socket.remoteAddress;
    const verify = socket.authorizationError as unknown;
    if (verify) {
      events.refused({ type: 'CERTIFICATE_REJECTED', remoteAddress, reason: String(verify) });
    } else if (error.code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE') {
      events.refused({ type: 'CERTIFICATE_REJECTED', remoteAddress, reason: 'NO_CERTIFICATE' });
    } else if (error.code?.startsWith('ERR_SSL_')) {
      events.refused({ type: 'TLS_HANDSHAKE_FAILED', remoteAddress, reason: error.code });
    } else {
      events.failed(error, remoteAddress);
    }
  };
  server.on('tlsClientError', onError);
  return () => server.off('tlsClientError', onError);
}

export type ClientCertificateCheck =
  | { ok: true; certificate: PeerCertificate }
  | {
      ok: false;
      rejection: {
        status: 403;
        reason: 'certificate-required' | 'certificate-mismatch';
        certificate?: CertificateSummary;
      };
    };

/**
 * Profile 3 at the HTTP upgrade: a verified client certificate bound to `identity`. Also the guard for
 * servers given to `attach`, whose TLS settings are not ours.
 */
export function checkClientCertificate(
  socket: Socket,
  identity: string,
  matches: CertificateIdentity,
): ClientCertificateCheck {
  const s = socket as Partial<TLSSocket>;
  const certificate =
    s.encrypted && s.authorized === true && typeof s.getPeerCertificate === 'function'
      ? s.getPeerCertificate()
      : undefined;
  if (!certificate?.raw) return { ok: false, rejection: { status: 403, reason: 'certificate-required' } };
  if (!matches(certificate, identity)) {
    return {
      ok: false,
      rejection: {
        status: 403,
        reason: 'certificate-mismatch',
        certificate: summarizeCertificate(certificate),
      },
    };
  }
  return { ok: true, certificate };
}

/**
 * The 1.6 security whitepaper limits the CSMS certificate to RSA of at most 2048 bits (1.6 stations may
 * support nothing else). Returns a warning when no configured certificate qualifies.
 */
export function rsa2048Warning(cert: ResolvedTlsOptions['cert']): string | undefined {
  const list = Array.isArray(cert) ? cert : [cert];
  const ok = list.some((c) => {
    try {
      const key = new X509Certificate(c).publicKey;
      return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) <= 2048;
    } catch {
      return true; // unparsable: the TLS context reports it, not this check
    }
  });
  return ok
    ? undefined
    : 'OCPP 1.6 stations need an RSA server certificate of at most 2048 bits (1.6 security whitepaper)';
}
