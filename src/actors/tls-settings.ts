import type { CsmsEventMap } from '../hooks/types.js';
import {
  type CsmsTlsOptions,
  type ResolvedTlsOptions,
  rsa2048Warning,
  tlsProblems,
} from '../transport/tls.js';
import { silentLogger } from '../util/logger.js';
import { OptionsError } from './errors.js';
import { type CsmsOptions, type ResolvedCsmsOptions, resolveCsmsOptions } from './options.js';

/**
 * Before `listen()` with profile 2 or 3: throws OptionsError for missing or unusable material (a key
 * that does not match its certificate, an expired certificate, ...); warns when 1.6 stations would meet
 * a key smaller than the 2048-bit RSA the 1.6 security whitepaper requires.
 */
export function checkListenTls(o: ResolvedCsmsOptions): void {
  if (o.securityProfile < 2) return;
  if (!o.tls)
    throw new OptionsError([`tls: security profile ${o.securityProfile} needs tls.cert and tls.key`]);
  const problems = tlsProblems(o.tls);
  if (problems.length) throw new OptionsError(problems);
  const warning = o.protocols.includes('ocpp1.6') ? rsa2048Warning(o.tls.cert) : undefined;
  if (warning) (o.logger ?? silentLogger).warn({}, warning);
}

/** The options with `next` merged into their TLS material; throws OptionsError and changes nothing. */
export function withTls(previous: ResolvedCsmsOptions, next: Partial<CsmsTlsOptions>): ResolvedCsmsOptions {
  if (previous.securityProfile < 2)
    throw new OptionsError([`tls: security profile ${previous.securityProfile} has no TLS`]);
  const merged = resolveCsmsOptions({ ...previous, tls: { ...previous.tls, ...next } } as CsmsOptions);
  const problems = tlsProblems(merged.tls!);
  if (problems.length) throw new OptionsError(problems);
  return merged;
}

/** What `tlsUpdated` tells plugins: certificates and settings, never the key. */
export function tlsUpdatedEvent(tls: ResolvedTlsOptions): CsmsEventMap['tlsUpdated'] {
  const { cert, ca, crl, minVersion, ciphers } = tls;
  return { at: new Date(), tls: { cert, ca, crl, minVersion, ciphers } };
}
