import { OCPP_VERSIONS, type OcppVersion } from './versions.js';

/** 2.0.1 and 2.1 define the same CALLERROR codes (Part 4 §4.3). */
const CODES_2X = [
  'FormatViolation',
  'GenericError',
  'InternalError',
  'MessageTypeNotSupported',
  'NotImplemented',
  'NotSupported',
  'OccurrenceConstraintViolation',
  'PropertyConstraintViolation',
  'ProtocolError',
  'RpcFrameworkError',
  'SecurityError',
  'TypeConstraintViolation',
] as const;

/**
 * The CALLERROR codes each version defines (1.6 J §4.2.3 table 7; 2.0.1/2.1 Part 4 §4.3).
 * 1.6 keeps the misspellings: the 1.6 errata §5.1/§5.2 list them as "will not be fixed",
 * so a 1.6 endpoint must emit `FormationViolation` and `OccurenceConstraintViolation`.
 */
export const ERROR_CODES = {
  'ocpp1.6': [
    'NotImplemented',
    'NotSupported',
    'InternalError',
    'ProtocolError',
    'SecurityError',
    'FormationViolation',
    'PropertyConstraintViolation',
    'OccurenceConstraintViolation',
    'TypeConstraintViolation',
    'GenericError',
  ],
  'ocpp2.0.1': CODES_2X,
  'ocpp2.1': CODES_2X,
} as const;

export type ErrorCode16 = (typeof ERROR_CODES)['ocpp1.6'][number];
export type ErrorCode2 = (typeof ERROR_CODES)['ocpp2.0.1'][number];
export type OcppErrorCode = ErrorCode16 | ErrorCode2;

/**
 * What went wrong, independent of any version's spelling. Code that raises an error names
 * the fault; the version decides the string on the wire.
 */
export const ERROR_KINDS = [
  'NotImplemented',
  'NotSupported',
  'InternalError',
  'ProtocolError',
  'SecurityError',
  'FormatViolation',
  'PropertyConstraintViolation',
  'OccurrenceConstraintViolation',
  'TypeConstraintViolation',
  'GenericError',
  'MessageTypeNotSupported',
  'RpcFrameworkError',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

const KIND_TO_16: Record<ErrorKind, ErrorCode16> = {
  NotImplemented: 'NotImplemented',
  NotSupported: 'NotSupported',
  InternalError: 'InternalError',
  ProtocolError: 'ProtocolError',
  SecurityError: 'SecurityError',
  FormatViolation: 'FormationViolation',
  PropertyConstraintViolation: 'PropertyConstraintViolation',
  OccurrenceConstraintViolation: 'OccurenceConstraintViolation',
  TypeConstraintViolation: 'TypeConstraintViolation',
  GenericError: 'GenericError',
  // 1.6 has no code for these; ProtocolError ("payload incomplete") is the nearest framing fault.
  RpcFrameworkError: 'ProtocolError',
  MessageTypeNotSupported: 'GenericError',
};

/** The code for `kind` as `version` spells it. */
export function errorCodeFor(version: OcppVersion, kind: ErrorKind): OcppErrorCode {
  return version === 'ocpp1.6' ? KIND_TO_16[kind] : kind;
}

/** Read a code received on the wire (any spelling, any version) back into a kind. */
export function errorKindOf(code: string): ErrorKind {
  switch (code) {
    case 'FormationViolation':
    case 'FormatViolation':
      return 'FormatViolation';
    case 'OccurenceConstraintViolation':
    case 'OccurrenceConstraintViolation':
      return 'OccurrenceConstraintViolation';
    case 'NotImplemented':
    case 'NotSupported':
    case 'InternalError':
    case 'ProtocolError':
    case 'SecurityError':
    case 'PropertyConstraintViolation':
    case 'TypeConstraintViolation':
    case 'GenericError':
    case 'MessageTypeNotSupported':
    case 'RpcFrameworkError':
      return code;
    default:
      return 'GenericError';
  }
}

export function isErrorCodeOf(version: OcppVersion, code: string): code is OcppErrorCode {
  return (ERROR_CODES[version] as readonly string[]).includes(code);
}

/**
 * Translate a code between versions (for proxies and mixed fleets): spelled for `to`. A code of another
 * version keeps its meaning (peers mix the spellings: ocpp-rpc answers a 1.6 call with 2.x's
 * `OccurrenceConstraintViolation`); a code no version defines becomes GenericError.
 */
export function translateErrorCode(code: string, _from: OcppVersion, to: OcppVersion): OcppErrorCode {
  if (!OCPP_VERSIONS.some((v) => isErrorCodeOf(v, code))) return errorCodeFor(to, 'GenericError');
  return errorCodeFor(to, errorKindOf(code));
}
