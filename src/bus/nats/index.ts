export { createNatsBus, NatsBus } from './bus.js';
export type { NatsBusOptions } from './options.js';
