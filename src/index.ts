export { type CloseOptions, Csms, createCsms, type ListenOptions } from './actors/csms.js';
export { registerDefaultHandlers } from './actors/default-handlers.js';
export type { CallOptions } from './actors/endpoint.js';
export * from './actors/errors.js';
export { type Handler, type HandlerContext, NOREPLY, type NoReply } from './actors/handlers.js';
export type {
  ActorClock,
  AuthCallback,
  AuthRequest,
  AuthResult,
  CsmsOptions,
  InspectOption,
} from './actors/options.js';
export type { StationHandle, StationSnapshot } from './actors/station-handle.js';
export * from './bus/index.js';
export * from './client/index.js';

export * from './plugins/types.js';
export * from './protocol/index.js';
export {
  runSimulation,
  type SimulationOptions,
  type SimulationSummary,
  startSimulation,
} from './sim/index.js';
export { passwordMatches } from './transport/handshake.js';
export {
  type CertificateIdentity,
  type CertificateSummary,
  type CsmsTlsOptions,
  DEFAULT_CIPHERS,
  defaultCertificateIdentity,
  REQUIRED_CIPHERS,
} from './transport/tls.js';
export type { Logger } from './util/logger.js';
