export {
  availabilityMap16to21,
  availabilityMap21to16,
  MessageType,
  statusMap16to21,
  statusMap21to16,
} from './compat.js';
export { ConnectorMap, type ConnectorMapping, type EvseConnector } from './connectors.js';
export {
  type AnswerOutcome,
  type CallDirection,
  type CallError,
  type CallOutcome,
  type FollowUps,
  type PendingCall,
  TranslationEngine,
  type TranslationEngineOptions,
} from './engine.js';
export { MiddlewareRejection, TranslationFailure, UnrepresentableError } from './errors.js';
export { type KvBucket, KvConflictError, type KvEntry } from './kv.js';
export { CounterContentionError, KvSessionStore, type KvSessionStoreOptions } from './kv-session-store.js';
export { mergePresets } from './merge.js';
export * from './presets/index.js';
export { InMemorySessionStore, type ISessionStore } from './session.js';
export {
  createTelemetryMiddleware,
  type LatencyStats,
  TelemetryMiddleware,
  type TelemetryMiddlewareFn,
} from './telemetry.js';
export { TransactionLedger } from './transactions.js';
export type * from './types.js';
