import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** One SSE event as it goes on the wire. */
export function sseChunk(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * One browser's server-sent-event stream with its own bounded queue. Writes go straight to the socket
 * while it keeps up; once the socket pushes back (`write` returns false) chunks wait here, and when
 * more than `maxQueuedBytes` wait, all of them are dropped and the browser gets one full snapshot
 * (`resync`) when its socket drains. A slow browser so costs bounded memory and never delays the
 * batch that feeds every other browser, or any station.
 */
export class BrowserStream {
  readonly id = randomUUID();
  /** The station whose page is open in this browser, if any. */
  selected: string | undefined;
  private readonly waiting: string[] = [];
  private waitingBytes = 0;
  private blocked = false;
  private resyncDue = false;
  private closed = false;
  /** Chunks dropped because the browser fell behind, since it connected. */
  dropped = 0;
  resyncs = 0;

  constructor(
    private readonly res: ServerResponse,
    private readonly maxQueuedBytes: number,
    /** The chunk that replaces everything dropped (a full snapshot), built when it can be sent. */
    private readonly resync: (stream: BrowserStream) => string,
    onClose: (stream: BrowserStream) => void,
  ) {
    res.on('drain', () => this.drained());
    res.on('close', () => {
      this.closed = true;
      this.waiting.length = 0;
      onClose(this);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes waiting for the socket now. */
  get queuedBytes(): number {
    return this.waitingBytes;
  }

  send(chunk: string): void {
    if (this.closed) return;
    if (this.resyncDue) {
      // Superseded by the snapshot it will get.
      this.dropped++;
      return;
    }
    if (!this.blocked) {
      if (!this.res.write(chunk)) this.blocked = true;
      return;
    }
    if (this.waitingBytes + chunk.length > this.maxQueuedBytes) {
      this.dropped += this.waiting.length + 1;
      this.waiting.length = 0;
      this.waitingBytes = 0;
      this.resyncDue = true;
      return;
    }
    this.waiting.push(chunk);
    this.waitingBytes += chunk.length;
  }

  private drained(): void {
    if (this.closed) return;
    this.blocked = false;
    if (this.resyncDue) {
      this.resyncDue = false;
      this.resyncs++;
      if (!this.res.write(this.resync(this))) {
        this.blocked = true;
        return;
      }
    }
    while (this.waiting.length) {
      const chunk = this.waiting.shift()!;
      this.waitingBytes -= chunk.length;
      if (!this.res.write(chunk)) {
        this.blocked = true;
        return;
      }
    }
  }

  end(): void {
    if (!this.closed) this.res.end();
  }
}
