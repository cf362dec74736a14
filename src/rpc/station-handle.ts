import type { BreakerState, StationRef } from '../hooks/types.js';
import type { ConnectionState, RegistrationState } from '../machines/station.js';
import type { Payload } from '../protocol/frames.js';
import type { CallOptions } from './endpoint.js';

export type { ConnectionState, RegistrationState };

/** Where a station stands, read from its actors at one moment. */
export interface StationSnapshot {
  readonly identity: string;
  readonly protocol: string;
  readonly remoteAddress: string | undefined;
  readonly connection: ConnectionState;
  readonly registration: RegistrationState;
  readonly breaker: BreakerState;
  readonly replay: string;
  /** Outbound calls in flight or waiting for their turn. */
  readonly queuedCalls: number;
  /** Inbound calls being handled or waiting. */
  readonly handlingCalls: number;
  /** Commands in the durable offline queue (bus), when known. */
  readonly offlineQueue: number | undefined;
  readonly connectedAt: number | undefined;
  readonly connections: number;
}

/** A station as handlers and applications see it. */
export interface StationHandle extends StationRef {
  readonly connected: boolean;
  call(action: string, payload: Payload, options?: CallOptions): Promise<Payload>;
  close(code?: number, reason?: string): Promise<void>;
  snapshot(): StationSnapshot;
}
