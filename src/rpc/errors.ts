/**
 * Typed errors of the runtime, shared by both ends. Match them with `instanceof` or `.code`, never by
 * message. (Protocol errors a peer sent or a handler raised are `RpcError`s, in src/protocol/errors.ts.)
 */
export class OcppActorsError extends Error {
  override readonly name: string = 'OcppActorsError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The connection closed while the call was queued or in flight; the station may or may not have received it. */
export class StationDisconnectedError extends OcppActorsError {
  override readonly name = 'StationDisconnectedError';
  constructor(
    readonly identity: string,
    readonly sent: boolean,
  ) {
    super(
      'STATION_DISCONNECTED',
      `Station ${identity} disconnected ${sent ? 'before answering' : 'before the call was sent'}`,
    );
  }
}

export class CallTimeoutError extends OcppActorsError {
  override readonly name = 'CallTimeoutError';
  constructor(
    readonly identity: string,
    readonly action: string,
    readonly timeoutMs: number,
  ) {
    super('CALL_TIMEOUT', `${action} to ${identity} got no answer within ${timeoutMs} ms`);
  }
}

/** OCPP-J allows one CALL in flight per direction; the waiting calls are bounded and this one did not fit. */
export class CallQueueFullError extends OcppActorsError {
  override readonly name = 'CallQueueFullError';
  constructor(
    readonly identity: string,
    readonly limit: number,
  ) {
    super('CALL_QUEUE_FULL', `Station ${identity} already has ${limit} calls waiting`);
  }
}

/** An interceptor (onBeforeSend) dropped the outbound call. */
export class CallDroppedError extends OcppActorsError {
  override readonly name = 'CallDroppedError';
  constructor(
    readonly identity: string,
    readonly action: string,
  ) {
    super('CALL_DROPPED', `An interceptor dropped ${action} to ${identity}`);
  }
}

/** The options given to createCsms/createStation are invalid; `issues` lists every problem. */
export class OptionsError extends OcppActorsError {
  override readonly name = 'OptionsError';
  constructor(readonly issues: readonly string[]) {
    super('INVALID_OPTIONS', `Invalid options:\n  - ${issues.join('\n  - ')}`);
  }
}

export class HandlerTimeoutError extends OcppActorsError {
  override readonly name = 'HandlerTimeoutError';
  constructor(
    readonly action: string,
    readonly timeoutMs: number,
  ) {
    super('HANDLER_TIMEOUT', `Handler for ${action} did not finish within ${timeoutMs} ms`);
  }
}
