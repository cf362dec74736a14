/**
 * Errors raised by a {@link Bus}. Classify with `instanceof` or by `code` (which survives a trip
 * through structured clone or another realm), never by message text: messages are for humans and
 * the NATS implementation maps server errors (JetStream API codes) onto these same classes.
 */
export type BusErrorCode = 'BUS_CLOSED' | 'QUEUE_FULL' | 'INVALID_SUBJECT';

export class BusError extends Error {
  override readonly name: string = 'BusError';
  constructor(
    readonly code: BusErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The bus was closed: every operation after `close()` rejects (or throws) with this. */
export class BusClosedError extends BusError {
  override readonly name = 'BusClosedError';
  constructor(readonly nodeId: string) {
    super('BUS_CLOSED', `bus of node ${nodeId} is closed`);
  }
}

/**
 * A station's command queue holds `limit` commands already. The queue refuses rather than drops:
 * whatever enqueue acknowledged is never lost, so the caller must decide (fail the request, retry).
 * JetStream raises the equivalent for `discard: new` + `max_msgs_per_subject`.
 */
export class QueueFullError extends BusError {
  override readonly name = 'QueueFullError';
  constructor(
    readonly station: string,
    readonly limit: number,
  ) {
    super('QUEUE_FULL', `command queue of station ${station} is full (${limit})`);
  }
}

/** A subject or pattern that NATS would reject: empty tokens, misplaced wildcards, whitespace. */
export class InvalidSubjectError extends BusError {
  override readonly name = 'InvalidSubjectError';
  constructor(
    readonly subject: string,
    reason: string,
  ) {
    super('INVALID_SUBJECT', `invalid subject ${JSON.stringify(subject)}: ${reason}`);
  }
}
