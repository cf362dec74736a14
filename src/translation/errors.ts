import type { ErrorKind } from '../protocol/error-codes.js';

/**
 * Thrown by a middleware to reject a message with a chosen OCPP error (spelled for the sender's version).
 * Any other throw rejects with GenericError.
 */
export class MiddlewareRejection extends Error {
  override readonly name = 'MiddlewareRejection';
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** A translation map or mapper produced something the engine cannot send (reported as `translationError`). */
export class TranslationFailure extends Error {
  override readonly name = 'TranslationFailure';
}

/**
 * A schema-valid message whose values the other version cannot carry (a negative 1.6 connectorId, a
 * transaction on connector 0). The sender gets a CALLERROR of `kind`; no `translationError` fires,
 * since the map is right and the input is the problem.
 */
export class UnrepresentableError extends Error {
  override readonly name = 'UnrepresentableError';
  constructor(
    message: string,
    readonly kind: ErrorKind = 'PropertyConstraintViolation',
  ) {
    super(message);
  }
}
