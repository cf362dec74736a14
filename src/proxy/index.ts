/**
 * The OCPP protocol proxy (`ocpp-actors/proxy`): the seed's `OCPPProtocolProxy`, its adapters, and the
 * whole translation API (presets, session stores, middleware), so code written for ocpp-protocol-proxy
 * moves over by changing its import.
 */
export * from '../translation/index.js';
export {
  CsmsAdapter,
  type CsmsAdapterOptions,
  type CsmsAdapterOptions as WsAdapterOptions,
  OcppWsIoAdapter,
} from './csms-adapter.js';
export { MemoryAdapter, type MemoryStation } from './memory-adapter.js';
export {
  type AdmissionOptions,
  OCPPProtocolProxy,
  type OCPPProtocolProxyOptions,
  type ProxyEventMap,
  type UpstreamClientOptions,
  UpstreamUnavailableError,
} from './proxy.js';
export type {
  AdmissionGate,
  AdmissionRequest,
  AdmissionVerdict,
  CallContext,
  IConnection,
  /** ocpp-protocol-proxy's name for the connections its WebSocket adapter hands the proxy. */
  IConnection as OcppWsIoConnection,
  ITransportAdapter,
} from './types.js';
