import type { BreakerState, OcppPlugin } from '../hooks/types.js';
import type { PluginLogger } from './plugin-logger.js';

export type CircuitState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export interface CircuitBreakerOptions {
  /** Calls to a station failing in a row (timeouts, lost connection) that open its circuit. Default 5. */
  failureThreshold?: number;
  /** How long the circuit stays open before one probe call. Default 30000. */
  resetTimeoutMs?: number;
  /**
   * Calls to one station in flight or waiting, at most; one more fails at once with CallQueueFullError.
   * Default 20. (OCPP-J sends one at a time; the rest wait in the station's queue.)
   */
  maxConcurrent?: number;
  onStateChange?: (identity: string, from: CircuitState, to: CircuitState) => void;
  /** Told of each state change, as ocpp-ws-io's `logger` (warn). */
  readonly logger?: PluginLogger;
}

const NAMES: Record<BreakerState, CircuitState> = { closed: 'CLOSED', open: 'OPEN', halfOpen: 'HALF_OPEN' };

/**
 * A circuit breaker per station over calls to it, on the runtime's breaker machine: while open, calls
 * fail fast with BreakerOpenError instead of waiting for their timeout.
 */
export function circuitBreakerPlugin(options: CircuitBreakerOptions = {}): OcppPlugin {
  const onStateChange = options.onStateChange;
  return {
    name: 'circuit-breaker',
    level: 2,
    setup(ctx) {
      ctx.csms.useBreaker({
        failureThreshold: options.failureThreshold ?? 5,
        resetTimeoutMs: options.resetTimeoutMs ?? 30_000,
        maxConcurrent: options.maxConcurrent ?? 20,
      });
    },
    events:
      onStateChange || options.logger
        ? {
            breakerChanged: ({ identity, from, to }) => {
              options.logger?.warn(`[circuit-breaker] ${identity}: ${NAMES[from]} → ${NAMES[to]}`);
              onStateChange?.(identity, NAMES[from], NAMES[to]);
            },
          }
        : {},
  };
}
