/**
 * The timers of one station or connector, so that a reboot, a stop or an ended session cancels all of
 * them at once. A cancelled `sleep` resolves false, so an async flow awaiting it returns instead of
 * hanging on (and holding) a promise that never settles.
 */
export class Timers {
  private readonly live = new Map<NodeJS.Timeout, (() => void) | undefined>();

  after(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.live.delete(t);
      fn();
    }, ms);
    this.live.set(t, undefined);
    return t;
  }

  /** Resolves true after `ms`, false if cleared first. */
  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.live.delete(t);
        resolve(true);
      }, ms);
      this.live.set(t, () => resolve(false));
    });
  }

  cancel(t: NodeJS.Timeout | undefined): void {
    if (!t || !this.live.has(t)) return;
    clearTimeout(t);
    const onCancel = this.live.get(t);
    this.live.delete(t);
    onCancel?.();
  }

  clear(): void {
    for (const t of [...this.live.keys()]) this.cancel(t);
  }
}

/** `ms` spread uniformly by ±`ratio`: stations started together must not act together. */
export function spread(ms: number, ratio: number, random: () => number = Math.random): number {
  return Math.max(0, Math.round(ms * (1 - ratio + 2 * ratio * random())));
}
