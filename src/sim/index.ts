/**
 * The load simulator behind `ocpp-actors simulate`: N virtual charging stations in one process, each a
 * station client (`createStation`) driven by a per-version behaviour model. `runSimulation(options)`
 * resolves with the summary; `startSimulation(options)` also exposes the stations while they run.
 */

export { MEASURANDS, type Measurand } from './config.js';
export { identityOf, type ResolvedSimOptions, resolveSimOptions, type SimulationOptions } from './options.js';
export {
  runSimulation,
  type SimProgress,
  type Simulation,
  type SimulationSummary,
  startSimulation,
} from './run.js';
export { type Connector, type ConnectorPhase, SimStation } from './station.js';
export { SimStation2x } from './station-2x.js';
export { SimStation16 } from './station-16.js';
export type { SimErrorCounts, SimErrorKind } from './stats.js';
