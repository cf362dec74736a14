/** The operator's page (`ocpp-actors/operator`): a web view of the stations, served by the CSMS. */
export { isLoopbackAddress, sameSecret } from './auth.js';
export { commandsFor } from './commands.js';
export { diagrams } from './diagrams.js';
export type { OperatorStats } from './hub.js';
export { eventLabel, guardLabel, type MachineGraph, machineGraph } from './machine-graph.js';
export { OperatorOptionsError, type OperatorPageOptions } from './options.js';
export { type OperatorPagePlugin, operatorPage } from './page.js';
export type * from './wire.js';
