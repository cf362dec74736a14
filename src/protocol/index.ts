export * from './actions.js';
export * from './decode.js';
export * from './encode.js';
export * from './error-codes.js';
export * from './errors.js';
export * from './frames.js';
// Namespaced: each version declares its own `BootNotificationRequest`, `IdTokenType`, … under the same names.
export type * as Ocpp16 from './generated/ocpp1.6.js';
export type { Ocpp16Actions } from './generated/ocpp1.6.js';
export type * as Ocpp201 from './generated/ocpp2.0.1.js';
export type { Ocpp201Actions } from './generated/ocpp2.0.1.js';
export type * as Ocpp21 from './generated/ocpp2.1.js';
export type { Ocpp21Actions } from './generated/ocpp2.1.js';
export * from './schemas.js';
export * from './typed.js';
export * from './validation.js';
export * from './versions.js';
