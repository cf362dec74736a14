import type { PluginStationStatus, StationRef } from '../hooks/types.js';
import type { ConnectionState, RegistrationState } from '../machines/station.js';
import type { Payload } from '../protocol/frames.js';
import type { OcppVersion } from '../protocol/versions.js';
import type { CallOptions } from './runtime.js';

export type { ConnectionState, RegistrationState };

/** A station's state (`csms.station()`): what plugins read, with the machine's own state names. */
export interface StationSnapshot extends PluginStationStatus {
  readonly connection: ConnectionState;
  readonly registration: RegistrationState;
}

/** A station as handlers and applications see it. */
export interface StationHandle extends StationRef {
  readonly connected: boolean;
  call(action: string, payload: Payload, options?: CallOptions): Promise<Payload>;
  close(code?: number, reason?: string): Promise<void>;
  snapshot(): StationSnapshot;
}

/**
 * The object handlers (`ctx.station`), events, plugins and `csms.handleOf` hand out. The endpoint
 * behind it (socket, `receive`, the answer path, keep-alive flags, its XState actor) sits in a private
 * field, so users can hold the station without reaching its internals. One per station, made once.
 */
export class StationHandleView implements StationHandle {
  readonly #station: StationHandle;

  constructor(station: StationHandle) {
    this.#station = station;
  }

  get identity(): string {
    return this.#station.identity;
  }
  get protocol(): OcppVersion {
    return this.#station.protocol;
  }
  get remoteAddress(): string | undefined {
    return this.#station.remoteAddress;
  }
  get connected(): boolean {
    return this.#station.connected;
  }
  call(action: string, payload: Payload, options?: CallOptions): Promise<Payload> {
    return this.#station.call(action, payload, options);
  }
  close(code?: number, reason?: string): Promise<void> {
    return this.#station.close(code, reason);
  }
  snapshot(): StationSnapshot {
    return this.#station.snapshot();
  }
}
