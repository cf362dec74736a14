/**
 * Dead-peer detection for every socket of a node with one timer. Any inbound traffic proves a peer
 * alive, so only silent peers are pinged; a peer still silent (no pong) one interval after its ping
 * is terminated. The sockets are swept in ten slices per interval so 10k pings never leave at once.
 */
export interface KeepaliveTarget {
  alive: boolean;
  awaitingPong: boolean;
  ping(): void;
  terminate(): void;
}

const SLICES = 10;

export class Keepalive<T extends KeepaliveTarget> {
  private timer: NodeJS.Timeout | undefined;
  private slice = 0;
  private readonly slot = new WeakMap<T, number>();

  constructor(
    private readonly targets: Set<T>,
    private readonly intervalMs: number,
    private readonly onTimeout: (target: T) => void,
  ) {}

  start(): void {
    if (this.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => this.sweep(), Math.max(10, Math.floor(this.intervalMs / SLICES)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private sweep(): void {
    const current = this.slice;
    this.slice = (this.slice + 1) % SLICES;
    for (const t of this.targets) {
      let s = this.slot.get(t);
      if (s === undefined) {
        // A random slice per socket spreads the pings (the jitter of this timer).
        s = Math.floor(Math.random() * SLICES);
        this.slot.set(t, s);
      }
      if (s !== current) continue;
      if (t.alive) {
        t.alive = false;
        t.awaitingPong = false;
      } else if (t.awaitingPong) {
        this.onTimeout(t);
        t.terminate();
      } else {
        t.ping();
      }
    }
  }
}
