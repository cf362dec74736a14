/**
 * Inbound CALLs of one station, handled one at a time in arrival order (handler execution is
 * serialized per station). A well-behaved station has at most one CALL outstanding, so the FIFO
 * is small; beyond `maxWaiting` the station is flooding and further CALLs are refused at once.
 */
export interface InboundJob {
  readonly messageId: string;
  run(): Promise<void> | void;
}

export type SubmitResult = 'accepted' | 'duplicate' | 'full';

export class InboundCalls {
  private readonly ids = new Set<string>();
  private queue: InboundJob[] = [];
  private head = 0;
  private running = false;

  constructor(
    private readonly maxWaiting: number,
    private readonly onJobError: (error: unknown) => void,
  ) {}

  /** Ids of CALLs received and not yet answered: a repeat of one of these is a protocol error. */
  isActive(messageId: string): boolean {
    return this.ids.has(messageId);
  }

  get size(): number {
    return this.queue.length - this.head + (this.running ? 1 : 0);
  }

  submit(job: InboundJob): SubmitResult {
    if (this.ids.has(job.messageId)) return 'duplicate';
    if (this.queue.length - this.head >= this.maxWaiting) return 'full';
    this.ids.add(job.messageId);
    if (!this.running) {
      this.running = true;
      this.execute(job);
    } else {
      this.queue.push(job);
    }
    return 'accepted';
  }

  /** Forget queued jobs (the connection is gone); the running one finishes on its own. */
  clear(): void {
    for (let i = this.head; i < this.queue.length; i++) this.ids.delete(this.queue[i]!.messageId);
    this.queue = [];
    this.head = 0;
  }

  private execute(job: InboundJob): void {
    let result: Promise<void> | void;
    try {
      result = job.run();
    } catch (error) {
      this.onJobError(error);
      result = undefined;
    }
    if (result instanceof Promise) {
      result.then(
        () => this.done(job),
        (error) => {
          this.onJobError(error);
          this.done(job);
        },
      );
    } else {
      this.done(job);
    }
  }

  private done(job: InboundJob): void {
    this.ids.delete(job.messageId);
    if (this.head < this.queue.length) {
      const next = this.queue[this.head]!;
      this.queue[this.head] = undefined as never;
      this.head++;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      this.execute(next);
    } else {
      this.running = false;
    }
  }
}
