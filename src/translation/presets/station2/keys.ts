import type { Ocpp2 } from '../convert.js';

/** Map keys of a 2.x station behind a 1.6 CSMS: upstream in the station's version, downstream in 1.6. */
export function keys2(v2: Ocpp2) {
  return {
    up: (action: string) => `${v2}:${action}`,
    down: (action: string) => `ocpp1.6:${action}`,
  };
}
