/**
 * Errors raised by a {@link Bus}. Classify with `instanceof` or by `code` (which survives a trip
 * through structured clone or another realm), never by message text: messages are for humans and
 * the NATS implementation maps server errors (JetStream API codes) onto these same classes.
 */
export type BusErrorCode =
  | 'BUS_CLOSED'
  | 'QUEUE_FULL'
  | 'INVALID_SUBJECT'
  | 'NO_RESPONDERS'
  | 'REQUEST_TIMEOUT'
  | 'REMOTE_ERROR'
  | 'KV_CONFLICT'
  | 'BUS_UNAVAILABLE'
  | 'BACKPRESSURE'
  | 'CONNECT_FAILED'
  | 'BUS_FAILED';

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

/** Nobody serves the subject of a request: known at once, without waiting for the timeout. */
export class NoRespondersError extends BusError {
  override readonly name = 'NoRespondersError';
  constructor(readonly subject: string) {
    super('NO_RESPONDERS', `no service answers ${subject}`);
  }
}

/** A service exists but none answered within `timeoutMs`. */
export class RequestTimeoutError extends BusError {
  override readonly name = 'RequestTimeoutError';
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
  ) {
    super('REQUEST_TIMEOUT', `no answer on ${subject} within ${timeoutMs} ms`);
  }
}

/**
 * The service's handler threw. `remoteName` and `remoteCode` are the thrown error's `name` and
 * `code` (if any), so a caller can classify it without parsing text.
 */
export class BusRemoteError extends BusError {
  override readonly name = 'BusRemoteError';
  constructor(
    readonly subject: string,
    readonly remoteName: string,
    readonly remoteCode: string | undefined,
    message: string,
  ) {
    super('REMOTE_ERROR', message);
  }
}

/** A key-value create found the key, or an update found another revision. */
export class KvConflictError extends BusError {
  override readonly name = 'KvConflictError';
  constructor(
    readonly key: string,
    /** 0 for a create (the key was expected absent). */
    readonly expectedRevision: number,
  ) {
    super('KV_CONFLICT', `key ${JSON.stringify(key)} is not at revision ${expectedRevision}`);
  }
}

/**
 * The bus could not do the operation now (server unreachable, JetStream not answering). Nothing
 * was decided: a caller that must not fail open (CALL de-duplication) sees this, never a guess.
 */
export class BusUnavailableError extends BusError {
  override readonly name = 'BusUnavailableError';
  constructor(
    readonly operation: string,
    options?: ErrorOptions,
  ) {
    super('BUS_UNAVAILABLE', `bus unavailable for ${operation}`, options);
  }
}

/**
 * A publish was refused because the publishes awaiting the bus's acknowledgement and those waiting
 * for a slot already fill their bounds: the bus is slower than the publisher. Counted in stats.
 */
export class BusBackpressureError extends BusError {
  override readonly name = 'BusBackpressureError';
  constructor(readonly limit: number) {
    super('BACKPRESSURE', `publish buffer full (${limit} waiting)`);
  }
}

/** The bus could not be reached at start; names what it tried. */
export class BusConnectError extends BusError {
  override readonly name = 'BusConnectError';
  constructor(
    readonly servers: readonly string[],
    options?: ErrorOptions,
  ) {
    super('CONNECT_FAILED', `cannot connect to NATS at ${servers.join(', ')}`, options);
  }
}
