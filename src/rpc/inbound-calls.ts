import { Deque } from '../util/deque.js';

/**
 * Inbound CALLs of one station, handled one at a time in arrival order (handler execution is
 * serialized per station). A well-behaved station has at most one CALL outstanding, so the FIFO
 * is small; beyond `maxWaiting` the station is flooding and further CALLs are refused at once.
 * No Set of ids: the running job plus a FIFO of at most `maxWaiting` is scanned instead, which
 * keeps an idle station free of a hash table.
 */
export interface InboundJob {
  readonly messageId: string;
  run(): Promise<void> | void;
}

/** Implemented by the endpoint itself (no per-connection closures). */
export interface InboundHost {
  /** CALLs allowed to wait behind the one being handled (read per call: it can be reconfigured). */
  inboundLimit(): number;
  jobFailed(error: unknown): void;
}

export type SubmitResult = 'accepted' | 'duplicate' | 'full';

export class InboundCalls {
  /** Made when a CALL first has to wait: a well-behaved station never needs it. */
  private queue: Deque<InboundJob> | undefined;
  private running: InboundJob | undefined;
  private idleWaiters: (() => void)[] | undefined;

  constructor(private readonly host: InboundHost) {}

  /** Ids of CALLs received and not yet answered: a repeat of one of these is a protocol error. */
  isActive(messageId: string): boolean {
    if (this.running?.messageId === messageId) return true;
    // Indexed, not for-of: an iterator object per CALL is garbage on the hot path.
    const q = this.queue;
    if (q) for (let i = 0; i < q.length; i++) if (q.at(i)!.messageId === messageId) return true;
    return false;
  }

  get size(): number {
    return (this.queue?.length ?? 0) + (this.running ? 1 : 0);
  }

  submit(job: InboundJob): SubmitResult {
    if (this.isActive(job.messageId)) return 'duplicate';
    if (!this.running) {
      this.execute(job);
      return 'accepted';
    }
    // The limit counts calls waiting behind the running one: 0 means "one at a time, none waiting".
    this.queue ??= new Deque();
    if (this.queue.length >= this.host.inboundLimit()) return 'full';
    this.queue.push(job);
    return 'accepted';
  }

  /** Resolves once nothing runs or waits (shutdown drains with it); at once when idle already. */
  whenIdle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters ??= [];
      this.idleWaiters.push(resolve);
    });
  }

  /** Forget queued jobs (the connection is gone); the running one finishes on its own. */
  clear(): void {
    this.queue?.clear();
  }

  private execute(job: InboundJob): void {
    this.running = job;
    let result: Promise<void> | void;
    try {
      result = job.run();
    } catch (error) {
      this.host.jobFailed(error);
      result = undefined;
    }
    if (result instanceof Promise) {
      result.then(
        () => this.done(),
        (error) => {
          this.host.jobFailed(error);
          this.done();
        },
      );
    } else {
      this.done();
    }
  }

  private done(): void {
    this.running = undefined;
    const next = this.queue?.shift();
    if (next) {
      this.execute(next);
      return;
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = undefined;
    if (waiters) for (const w of waiters) w();
  }
}
