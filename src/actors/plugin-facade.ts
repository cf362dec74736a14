import type { AnyActorRef } from 'xstate';
import type { PluginCsms } from '../hooks/types.js';
import { breakerMachineWith } from '../machines/breaker.js';
import type { Payload } from '../protocol/frames.js';
import { StationNotConnectedError } from './errors.js';
import { inspectStations } from './inspect-stations.js';
import type { CsmsRuntime, StationSession } from './station-session.js';

/** What the facade reaches in the CSMS. */
export interface FacadeDeps {
  readonly nodeId: string;
  readonly runtime: CsmsRuntime;
  readonly system: AnyActorRef;
  readonly live: ReadonlySet<StationSession>;
  readonly jitter: (ms: number) => number;
  station(identity: string): StationSession | undefined;
  /** Every station this node knows. */
  identities(): IterableIterator<string>;
  offlineQueueSize(identity: string): Promise<number>;
  configureReplay(settings: { flushDelayMs?: number; maxAttempts?: number }): void;
  /** Calls waiting per station at most from now on, whatever `maxQueuedCalls` is (kept across reconfigure). */
  capQueuedCalls(max: number): void;
  call(identity: string, action: string, payload: Payload): Promise<unknown>;
  enqueue(
    identity: string,
    action: string,
    payload: Payload,
    options?: { ttlMs?: number; messageId?: string },
  ): Promise<unknown>;
}

/** The CSMS as plugins see it (`ctx.csms`): stations to call, queue for, close and inspect. */
export function pluginFacade(d: FacadeDeps): PluginCsms {
  return {
    nodeId: d.nodeId,
    call: (identity, action, payload) => d.call(identity, action, payload),
    enqueue: (identity, action, payload, options) => d.enqueue(identity, action, payload, options),
    handleCall: (identity, action, payload, protocol) => {
      const s = d.station(identity);
      if (!s?.connected) return Promise.reject(new StationNotConnectedError(identity));
      return s.handleLocally(protocol ?? s.protocol, action, payload);
    },
    close: async (identity, code = 1000, reason = '') => {
      const s = d.station(identity);
      if (!s?.connected) return false;
      await s.close(code, reason);
      return true;
    },
    sendRaw: (identity, text) => d.station(identity)?.sendRaw(text) ?? false,
    useBreaker: ({ maxConcurrent, ...settings }) => {
      const rt = d.runtime as { -readonly [K in keyof CsmsRuntime]: CsmsRuntime[K] };
      rt.breakerMachine = breakerMachineWith(d.jitter);
      rt.breakerInput = settings;
      // One call in flight (OCPP-J), the rest waiting behind it.
      if (maxConcurrent !== undefined) d.capQueuedCalls(Math.max(0, maxConcurrent - 1));
    },
    configureReplay: (settings) => d.configureReplay(settings),
    get connectedCount() {
      return d.live.size;
    },
    stationIds: () => d.identities(),
    stationStatus: (identity) => d.station(identity)?.snapshot(),
    offlineQueueSize: (identity) => d.offlineQueueSize(identity),
    tap: (identity, listener) => {
      const s = d.station(identity);
      if (!s) return false;
      s.tap = listener;
      return () => {
        if (s.tap === listener) s.tap = undefined;
      };
    },
    inspect: (identities, observer) =>
      inspectStations(d.system, identities, observer, (id) => d.station(id)?.actor),
  };
}
