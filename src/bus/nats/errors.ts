import { ErrorCode, NatsError } from 'nats';
import { BusError, BusUnavailableError } from '../errors.js';

/** JetStream API error codes (`err_code`) the bus maps onto its own errors. */
export const JsErr = {
  ConsumerNotFound: 10014,
  NoMessageFound: 10037,
  StreamNotFound: 10059,
  WrongLastSequence: 10071,
  /** `discard: new` refused a store, e.g. `max_msgs_per_subject` with `discard_new_per_subject`. */
  StoreFailed: 10077,
} as const;

export function apiErrorCode(err: unknown): number | undefined {
  return err instanceof NatsError ? err.api_error?.err_code : undefined;
}

/** "No message" from a stream get: an API error, or a 404 status for a direct get. */
export function isNotFound(err: unknown): boolean {
  return (
    err instanceof NatsError &&
    (err.api_error?.err_code === JsErr.NoMessageFound || err.code === ErrorCode.JetStream404NoMessages)
  );
}

const UNAVAILABLE = new Set<string>([
  ErrorCode.Timeout,
  ErrorCode.ConnectionClosed,
  ErrorCode.ConnectionDraining,
  ErrorCode.ConnectionRefused,
  ErrorCode.ConnectionTimeout,
  ErrorCode.Disconnect,
  ErrorCode.NoResponders, // JetStream not answering
]);

/** True when the server could not be asked (as opposed to a refusal it answered with). */
export function isUnavailable(err: unknown): boolean {
  return err instanceof NatsError && err.api_error === undefined && UNAVAILABLE.has(err.code);
}

/** Maps a NATS failure of `operation` onto a bus error; bus errors pass through. */
export function toBusError(operation: string, err: unknown): Error {
  if (err instanceof BusError) return err;
  if (isUnavailable(err)) return new BusUnavailableError(operation, { cause: err });
  const detail = err instanceof Error ? err.message : String(err);
  return new BusError('BUS_FAILED', `${operation} failed: ${detail}`, { cause: err });
}
