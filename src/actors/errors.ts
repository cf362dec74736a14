import { OcppActorsError } from '../rpc/errors.js';

export * from '../rpc/errors.js';

/** Typed errors of the CSMS side. */

/** The station is not connected to this node. */
export class StationNotConnectedError extends OcppActorsError {
  override readonly name = 'StationNotConnectedError';
  constructor(readonly identity: string) {
    super('STATION_NOT_CONNECTED', `Station ${identity} is not connected`);
  }
}

/** The circuit breaker for this station is open: the call failed fast without being sent. */
export class BreakerOpenError extends OcppActorsError {
  override readonly name = 'BreakerOpenError';
  constructor(
    readonly identity: string,
    readonly state: 'open' | 'halfOpen',
  ) {
    super('BREAKER_OPEN', `Calls to ${identity} are failing fast: breaker ${state}`);
  }
}

/** The station's registration does not allow this call yet (B02 Pending, B03 Rejected, no boot). */
export class RegistrationError extends OcppActorsError {
  override readonly name = 'RegistrationError';
  constructor(
    readonly identity: string,
    readonly action: string,
    readonly registration: string,
  ) {
    super(
      'NOT_REGISTERED',
      `${action} cannot be sent to ${identity} while its registration is ${registration}`,
    );
  }
}
