import { type ErrorKind, errorCodeFor, errorKindOf, type OcppErrorCode } from './error-codes.js';
import type { OcppVersion } from './versions.js';

export type ErrorDetails = Record<string, unknown>;

/**
 * An OCPP-J RPC error: what a CALLERROR (or 2.1 CALLRESULTERROR) carries. Raised by handlers to
 * answer with a chosen code, and rejected from `call()` when the peer answered with one.
 * Classify by `kind` (version-independent) or `code` (as spelled on the wire), never by message.
 */
export class RpcError extends Error {
  override readonly name: string = 'RpcError';
  readonly kind: ErrorKind;
  readonly description: string;
  readonly details: ErrorDetails;
  /** The code as received; when raised locally, the code for the version it is sent in. */
  readonly wireCode: string | undefined;

  constructor(
    kind: ErrorKind | OcppErrorCode,
    description = '',
    details: ErrorDetails = {},
    wireCode?: string,
  ) {
    super(description || kind);
    this.kind = errorKindOf(kind);
    this.description = description;
    this.details = details;
    this.wireCode = wireCode;
  }

  /** The code to put on the wire for `version`. */
  codeFor(version: OcppVersion): OcppErrorCode {
    return errorCodeFor(version, this.kind);
  }

  get code(): string {
    return this.wireCode ?? this.kind;
  }
}

/** The payload of a CALL or CALLRESULT broke its schema. `path` points at the field. */
export class ValidationError extends RpcError {
  override readonly name = 'ValidationError';
  constructor(
    kind: ErrorKind,
    description: string,
    readonly action: string,
    readonly path: readonly (string | number)[],
  ) {
    super(kind, description, {});
  }
}
