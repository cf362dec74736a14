import type { PluginStationStatus } from '../hooks/types.js';
import type { StationRow, StationStatusView } from './wire.js';

export function rowOf(s: PluginStationStatus): StationRow {
  return [
    s.identity,
    s.protocol,
    s.connection,
    s.registration,
    s.breaker,
    s.queuedCalls,
    s.connectedAt ?? null,
    s.lastMessageAt ?? null,
    s.replay,
  ];
}

export function statusView(s: PluginStationStatus): StationStatusView {
  return {
    identity: s.identity,
    protocol: s.protocol,
    remoteAddress: s.remoteAddress ?? null,
    connection: s.connection,
    registration: s.registration,
    breaker: s.breaker,
    replay: s.replay,
    queuedCalls: s.queuedCalls,
    handlingCalls: s.handlingCalls,
    connectedAt: s.connectedAt ?? null,
    connections: s.connections,
    lastMessageAt: s.lastMessageAt ?? null,
  };
}

/**
 * The states lit on a station's diagrams, by machine id: read from the same snapshot the list shows, so
 * they cost nothing per transition. Ancestors are included (a lit `halfOpen` when its child is unknown).
 */
export function activeStates(s: PluginStationStatus): Record<string, string[]> {
  const withAncestors = (id: string) => {
    const parts = id.split('.');
    return parts.slice(1).map((_, i) => parts.slice(0, i + 2).join('.'));
  };
  return {
    station: [
      'station.connection',
      'station.registration',
      `station.connection.${s.connection}`,
      `station.registration.${s.registration}`,
    ],
    breaker: withAncestors(`breaker.${s.breaker}`),
    replay: withAncestors(`replay.${s.replay}`),
  };
}
