import type { OcppPlugin } from '../hooks/types.js';
import type { PluginLogger } from './plugin-logger.js';

export interface ConnectionGuardOptions {
  /** Connected stations at most. */
  maxConnections: number;
  /** Close code for a station that got past the handshake over the limit. Default 4029. */
  closeCode?: number;
  /** Default "Connection limit reached". */
  closeReason?: string;
  /**
   * Close a station whose socket falls behind what is sent to it (`backpressure`, past the CSMS's
   * `backpressureBytes`) with 4001, freeing its slot for one that reads. Default false.
   */
  forceCloseOnBackpressure?: boolean;
  /**
   * Accepted for ocpp-ws-io's users (default true there). A station that misses its pong is always
   * cut by the CSMS's keep-alive (`pingIntervalMs`), so its slot is freed whatever this says.
   */
  forceCloseOnPongTimeout?: boolean;
  /** Told of each station it closes, as ocpp-ws-io's `logger` (warn). */
  readonly logger?: PluginLogger;
}

/** The close code for a station closed for backpressure (ocpp-ws-io's). */
export const BACKPRESSURE_CLOSE_CODE = 4001;

/** The close code for a station that got past the handshake while the limit was reached (seed's 4029). */
export const CONNECTION_LIMIT_CLOSE_CODE = 4029;

/**
 * A hard limit on connected stations. Past it, handshakes are refused with 503 before any credential
 * work (`auth` is not called). Handshakes admitted at once can still overshoot (their `auth` ran in
 * parallel): the ones that do are closed right after the upgrade with 4029.
 */
export function connectionGuardPlugin(options: ConnectionGuardOptions): OcppPlugin {
  const max = options.maxConnections;
  if (!Number.isInteger(max) || max < 0) throw new RangeError('maxConnections must be an integer >= 0');
  const closeCode = options.closeCode ?? CONNECTION_LIMIT_CLOSE_CODE;
  const closeReason = options.closeReason ?? 'Connection limit reached';
  let csms: { readonly connectedCount: number; close(id: string, code: number, reason: string): unknown };
  return {
    name: 'connection-guard',
    level: 2,
    setup(ctx) {
      csms = ctx.csms;
    },
    onHandshake() {
      if (csms.connectedCount < max) return undefined;
      return { status: 503, reason: `connection-guard: ${max} stations connected` };
    },
    onConnection(station) {
      if (csms.connectedCount <= max) return;
      options.logger?.warn(`[connection-guard] limit ${max} exceeded, closing ${station.identity}`);
      void csms.close(station.identity, closeCode, closeReason);
    },
    onBackpressure: options.forceCloseOnBackpressure
      ? (station, buffered) => {
          options.logger?.warn(
            `[connection-guard] backpressure (${buffered} bytes), closing ${station.identity}`,
          );
          void csms.close(station.identity, BACKPRESSURE_CLOSE_CODE, 'Backpressure exceeded');
        }
      : undefined,
  };
}
