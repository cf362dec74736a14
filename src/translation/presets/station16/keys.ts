import type { Ocpp2 } from '../convert.js';

/** Map keys of a 1.6 station behind a 2.x CSMS: upstream in 1.6 names, downstream in the CSMS's. */
export function keys16(v2: Ocpp2) {
  return {
    up: (action: string) => `ocpp1.6:${action}`,
    down: (action: string) => `${v2}:${action}`,
  };
}
