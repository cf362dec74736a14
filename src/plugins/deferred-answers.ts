type Payload = Record<string, unknown>;

/** Completions that came before their answer was deferred, kept at most (as the proxy keeps them). */
const MAX_EARLY = 16;

/**
 * Answers a translation holds back until a later message completes them (a 1.6 GetConfiguration
 * without keys to a 2.x station: answered once the station's last NotifyReport part is in). By the
 * key of the call they answer; one not completed within `timeoutMs` fails.
 */
export class DeferredAnswers {
  private readonly waiters = new Map<
    string,
    { resolve(p: Payload): void; reject(e: Error): void; timer: NodeJS.Timeout }
  >();
  private readonly early = new Map<string, Payload>();

  constructor(private readonly timeoutMs: number) {}

  wait(key: string): Promise<Payload> {
    const done = this.early.get(key);
    if (done) {
      this.early.delete(key);
      return Promise.resolve(done);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        reject(new Error(`the deferred answer to ${key} did not complete within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiters.set(key, { resolve, reject, timer });
    });
  }

  complete(key: string, payload: Payload): void {
    const waiter = this.waiters.get(key);
    if (!waiter) {
      if (this.early.size < MAX_EARLY) this.early.set(key, payload);
      return;
    }
    this.waiters.delete(key);
    clearTimeout(waiter.timer);
    waiter.resolve(payload);
  }

  /** The plugin is going: what still waits fails now. */
  clear(): void {
    for (const w of this.waiters.values()) {
      clearTimeout(w.timer);
      w.reject(new Error('the plugin was removed before the deferred answer completed'));
    }
    this.waiters.clear();
    this.early.clear();
  }
}
