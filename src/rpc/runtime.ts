import type { Dispatcher } from '../hooks/dispatcher.js';
import type { RpcEventMap } from '../hooks/types.js';
import type { Side } from '../protocol/actions.js';
import type { Jitter } from '../util/jitter.js';
import type { Logger } from '../util/logger.js';
import type { HandlerTable } from './handlers.js';

/**
 * Limits and switches the endpoint reads per frame or per call. Not readonly: a CSMS changes them at
 * run time (`reconfigure`), in place, so every endpoint sees the new value at its next frame.
 */
export interface RpcSettings {
  strict: boolean;
  callTimeoutMs: number;
  handlerTimeoutMs: number;
  maxQueuedCalls: number;
  maxInboundWaiting: number;
  backpressureBytes: number;
  /** Send handler exception messages to the peer (default: a generic description). */
  exposeErrors: boolean;
  /** Log every frame at debug level (payloads may hold personal data: off by default). */
  logPayloads: boolean;
}

/** The settings, by name: the one list `pickRpcSettings` and the CSMS's reconfigurable options use. */
export const RPC_SETTINGS = [
  'strict',
  'callTimeoutMs',
  'handlerTimeoutMs',
  'maxQueuedCalls',
  'maxInboundWaiting',
  'backpressureBytes',
  'exposeErrors',
  'logPayloads',
] as const satisfies readonly (keyof RpcSettings)[];

export function pickRpcSettings(from: RpcSettings): RpcSettings {
  const out = {} as Record<keyof RpcSettings, unknown>;
  for (const k of RPC_SETTINGS) out[k] = from[k];
  return out as RpcSettings;
}

/** What every endpoint of one runtime shares. */
export interface EndpointRuntime extends RpcSettings {
  readonly side: Side;
  readonly dispatcher: Dispatcher<RpcEventMap>;
  readonly handlers: HandlerTable;
  readonly logger: Logger;
  readonly jitter: Jitter;
  /** Counters for telemetry: plain increments, cheaper than any event. */
  readonly stats: RuntimeStats;
}

export interface RuntimeStats {
  messagesIn: number;
  messagesOut: number;
  badMessages: number;
  validationFailures: number;
}

export const newRuntimeStats = (): RuntimeStats => ({
  messagesIn: 0,
  messagesOut: 0,
  badMessages: 0,
  validationFailures: 0,
});

export interface CallOptions {
  timeoutMs?: number;
  /** Reuse a message id (2.1 §4.1.4 lets a retried message keep its id); a fresh UUID otherwise. */
  messageId?: string;
}
