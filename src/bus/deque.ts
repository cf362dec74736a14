/** Moved to src/util/deque.ts (one FIFO for the bus, the RPC queues and the station client). */
export { Deque } from '../util/deque.js';
