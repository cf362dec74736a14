import { chargePointStatusOf, connectorStatusOf } from './presets/convert.js';

/**
 * Names ocpp-protocol-proxy (0.1.1) exports beside the ones its documentation shows, so code that
 * imports them moves over unchanged. The presets do not read these tables: they translate with the
 * transaction state a static table cannot know.
 */

/** OCPP-J message type numbers, as `message.type` carries them. */
export const MessageType = { CALL: 2, CALLRESULT: 3, CALLERROR: 4 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

const STATUSES_16 = [
  'Available',
  'Preparing',
  'Charging',
  'SuspendedEVSE',
  'SuspendedEV',
  'Finishing',
  'Reserved',
  'Unavailable',
  'Faulted',
] as const;

/** 1.6 ChargePointStatus -> 2.x connectorStatus (the five busy states are all Occupied). */
export const statusMap16to21: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(STATUSES_16.map((s) => [s, connectorStatusOf(s)])),
);

/**
 * 2.x connectorStatus -> 1.6 status without knowing the transaction: Occupied is Preparing (plugged in).
 * (The reference guesses Charging; the presets use the EVSE's transaction instead.)
 */
export const statusMap21to16: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(
    ['Available', 'Occupied', 'Reserved', 'Unavailable', 'Faulted'].map((s) => [
      s,
      chargePointStatusOf(s, 'none'),
    ]),
  ),
);

/**
 * ChangeAvailability's type: 1.6 AvailabilityType and 2.x OperationalStatusEnumType have the same two
 * values. (The reference maps them to connector statuses, which ChangeAvailability does not accept.)
 */
export const availabilityMap21to16: Readonly<Record<string, string>> = Object.freeze({
  Operative: 'Operative',
  Inoperative: 'Inoperative',
});
export const availabilityMap16to21: Readonly<Record<string, string>> = availabilityMap21to16;
