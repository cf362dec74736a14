/**
 * What a sink reports when events do not reach its backend. Each is a `pluginError` with the sink's
 * plugin name; classify by class (`instanceof`), never by message.
 */

/** A batch the backend did not take after every retry: its events are lost. */
export class SinkDeliveryError extends Error {
  override readonly name = 'SinkDeliveryError';
  constructor(
    readonly plugin: string,
    /** Events in the lost batch. */
    readonly events: number,
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(`${plugin}: ${events} event(s) not delivered after ${attempts} attempt(s)`);
  }
}

/** The queue was full and events were dropped (by its overflow policy) since the last report. */
export class SinkOverflowError extends Error {
  override readonly name = 'SinkOverflowError';
  constructor(
    readonly plugin: string,
    readonly dropped: number,
    readonly policy: 'drop-oldest' | 'drop-newest',
    readonly maxQueued: number,
  ) {
    super(`${plugin}: queue full (${maxQueued}), ${dropped} event(s) dropped (${policy})`);
  }
}

/** Close waited `drainTimeoutMs` and these events were still queued or in flight: they are lost. */
export class SinkDrainTimeoutError extends Error {
  override readonly name = 'SinkDrainTimeoutError';
  constructor(
    readonly plugin: string,
    readonly events: number,
    readonly drainTimeoutMs: number,
  ) {
    super(`${plugin}: ${events} event(s) not delivered within the ${drainTimeoutMs} ms drain on close`);
  }
}

/** An answer the backend gave that retrying cannot change (an HTTP 4xx, a malformed record). */
export class SinkRejectedError extends Error {
  override readonly name = 'SinkRejectedError';
  readonly retryable = false;
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}
