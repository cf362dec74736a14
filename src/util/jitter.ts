/**
 * Spread a delay by ±`ratio` so that timers armed together do not fire together:
 * 50k timers due in the same millisecond stalled the event loop for 250 ms here.
 */
export type Jitter = (ms: number) => number;

export function jitter(ratio = 0.1, random: () => number = Math.random): Jitter {
  return (ms) => Math.max(0, Math.round(ms * (1 - ratio + 2 * ratio * random())));
}

export const noJitter: Jitter = (ms) => ms;
