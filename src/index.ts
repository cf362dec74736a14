export { type CloseOptions, Csms, createCsms, type ListenOptions } from './actors/csms.js';
export { registerDefaultHandlers } from './actors/default-handlers.js';
export * from './actors/errors.js';
export type {
  ActorClock,
  AuthCallback,
  AuthRequest,
  AuthResult,
  CsmsOptions,
  InspectOption,
} from './actors/options.js';
export * from './bus/index.js';
export * from './client/index.js';
export type { PluginStation, StationPlugin, StationPluginContext } from './hooks/station-plugin.js';
export * from './hooks/types.js';
export type { RestoredRegistration } from './machines/station.js';
export * from './protocol/index.js';
export { type Handler, type HandlerContext, NOREPLY, type NoReply } from './rpc/handlers.js';
export type { CallOptions } from './rpc/runtime.js';
export type { StationHandle, StationSnapshot } from './rpc/station-handle.js';
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
