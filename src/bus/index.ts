export * from './errors.js';
export { createMemoryBus, type MemoryBus, type MemoryBusOptions } from './memory.js';
export {
  createMemoryCluster,
  MemoryCluster,
  type MemoryClusterOptions,
  type MemoryClusterStats,
} from './memory-cluster.js';
export { decodeToken, encodeToken, stationSubject } from './subject.js';
export * from './types.js';
