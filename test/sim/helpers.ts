/**
 * Shared set-up for the simulator tests: our CSMS with default handlers on 127.0.0.1 (port 0), recording
 * every CALL the stations make and every schema failure it sees.
 */

import { type Csms, createCsms, registerDefaultHandlers } from '../../src/index.js';
import type { Payload } from '../../src/protocol/frames.js';
import { type Simulation, type SimulationOptions, startSimulation } from '../../src/sim/index.js';
import { until } from '../support/wait.js';

export { until };

export interface Received {
  identity: string;
  action: string;
  payload: Payload;
}

export interface TestCsms {
  csms: Csms;
  url: string;
  /** CALLs from stations, in arrival order. */
  received: Received[];
  /** validationFailure events, either direction: must stay empty. */
  failures: string[];
  /** Accepted boots per identity. */
  boots: Map<string, number>;
  close(): Promise<void>;
}

export async function startCsms(heartbeatIntervalS = 300): Promise<TestCsms> {
  const csms = registerDefaultHandlers(createCsms({ jitterRatio: 0 }), { heartbeatIntervalS });
  const received: Received[] = [];
  const failures: string[] = [];
  const boots = new Map<string, number>();
  csms.on('message', ({ station, direction, message }) => {
    if (direction === 'IN' && message.type === 2)
      received.push({ identity: station.identity, action: message.action, payload: message.payload });
  });
  csms.on('validationFailure', ({ station, direction, error }) =>
    failures.push(`${station.identity} ${direction}: ${error.message}`),
  );
  csms.on('registered', ({ station }) => boots.set(station.identity, (boots.get(station.identity) ?? 0) + 1));
  const { port } = await csms.listen({ port: 0, host: '127.0.0.1' });
  return {
    csms,
    url: `ws://127.0.0.1:${port}`,
    received,
    failures,
    boots,
    close: () => csms.close({ drainMs: 0 }),
  };
}

/** The first CALL from `identity` of `action` after index `from` that `match` accepts. */
export async function waitFor(
  t: TestCsms,
  identity: string,
  action: string,
  match: (p: Payload) => boolean = () => true,
  from = 0,
): Promise<Payload> {
  let found: Received | undefined;
  await until(
    () => {
      found = t.received
        .slice(from)
        .find((r) => r.identity === identity && r.action === action && match(r.payload));
      return found !== undefined;
    },
    5_000,
    `${action} from ${identity}`,
  );
  return found!.payload;
}

export function actionsOf(t: TestCsms, identity: string): Set<string> {
  return new Set(t.received.filter((r) => r.identity === identity).map((r) => r.action));
}

/** Every station of the run has booted (Accepted) and is idle with all its connectors announced. */
export async function allBooted(sim: Simulation): Promise<void> {
  await until(() => sim.stats.everBooted === sim.options.stations, 5_000, 'all stations booted');
}

/**
 * One simulated station (SIM-0001) that charges only when the CSMS starts it remotely, 2 connectors,
 * meter values every 0.2 s: the proxy end-to-end tests' station. Resolves once it has booted; stopped
 * again if it does not.
 */
export async function oneRemoteStation(
  url: string,
  protocol: SimulationOptions['protocol'],
): Promise<Simulation> {
  const sim = startSimulation({
    url,
    stations: 1,
    protocol,
    connectors: 2,
    remoteOnly: true,
    meterIntervalS: 0.2,
    chargeDurationS: 60,
    rebootDelayS: 0.1,
    ramp: 100,
  });
  try {
    await allBooted(sim);
  } catch (error) {
    await sim.stop();
    throw error;
  }
  return sim;
}
