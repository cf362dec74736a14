import type { AnyActorRef } from 'xstate';
import type { Dispatcher } from '../hooks/dispatcher.js';
import type { CsmsEventMap } from '../hooks/types.js';
import { breakerMachineWith } from '../machines/breaker.js';
import type { HandlerTable } from '../rpc/handlers.js';
import { newRuntimeStats, pickRpcSettings } from '../rpc/runtime.js';
import type { Jitter } from '../util/jitter.js';
import type { Logger } from '../util/logger.js';
import { TurnBudget } from '../util/turn-budget.js';
import type { ClusterSeat } from './cluster/seat.js';
import type { ResolvedCsmsOptions } from './options.js';
import type { OfflineQueues } from './replay.js';
import type { StationDirectory } from './station-directory.js';
import { type CsmsRuntime, stationActorTemplate } from './station-session.js';

export interface RuntimeParts {
  readonly options: ResolvedCsmsOptions;
  readonly dispatcher: Dispatcher<CsmsEventMap>;
  readonly handlers: HandlerTable;
  readonly logger: Logger;
  readonly jitter: Jitter;
  readonly system: AnyActorRef;
  readonly directory: StationDirectory;
  readonly queues: OfflineQueues;
  readonly cluster: ClusterSeat | undefined;
}

/**
 * What every station session of one CSMS shares: the RPC settings (changed in place by `reconfigure`),
 * the machines' injected parts, and where the sessions report what their machines decided.
 */
export function csmsRuntime(p: RuntimeParts): CsmsRuntime {
  const { options: o, dispatcher, directory, queues, cluster } = p;
  return {
    side: 'csms',
    dispatcher,
    handlers: p.handlers,
    logger: p.logger,
    jitter: p.jitter,
    ...pickRpcSettings(o),
    stats: newRuntimeStats(),
    requireBoot: o.requireBoot,
    forgetAfterMs: o.forgetAfterMs,
    // A registration kept by the cluster wins over the application's own store.
    restoreRegistration: cluster
      ? (identity) => cluster.restoredRegistration(identity) ?? o.restoreRegistration?.(identity)
      : o.restoreRegistration,
    clock: o.clock,
    inspect: o.inspect,
    system: p.system,
    live: directory.live,
    frameBudget: o.framesPerTurn > 0 ? new TurnBudget(o.framesPerTurn) : undefined,
    stationActors: stationActorTemplate(p.jitter),
    registered: (station, status) => {
      dispatcher.emit('registered', { station: station.handle, status });
      cluster?.registered(station.identity, station.actor.getSnapshot().context);
      // Emitted after the transition: `ready` reads the recorded boot.
      if (status === 'Accepted' && station.ready && queues.mayHaveWork(station.identity))
        queues.stationReady(station.identity);
    },
    forgotten: (station) => directory.expired(station),
    breakerMachine: o.breaker ? breakerMachineWith(p.jitter) : undefined,
    breakerInput: o.breaker || {},
    ready: (station) => queues.stationReady(station.identity),
    gone: (station) => queues.stationGone(station.identity),
    remember: (station) => directory.disconnected(station),
    replayStateOf: (identity) => queues.stateOf(identity),
  };
}
