/**
 * Waiting in tests, one set for every suite. Deadlines are generous (a loaded 2-core machine runs
 * several suites at once): they only bound a test that would otherwise hang, never order anything.
 */

/** A promise with its resolver outside, to hold a handler until the test releases it. */
export function gate<T = void>(): { promise: Promise<T>; open(value: T): void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** `promise`, or a rejection naming `what` after `ms`: a test waiting on a handler fails fast. */
export function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Poll `check` until it holds, for state with no event to wait on; rejects naming `what` at the deadline. */
export function until(check: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error(`${what}: not met within ${timeoutMs} ms`));
      else setTimeout(tick, 5);
    };
    tick();
  });
}
