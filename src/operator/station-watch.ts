import type { MessageEvent } from '../hooks/types.js';
import type { LogEntry, StationCounters } from './wire.js';

/** A payload larger than this is kept as a preview in the log (the log is bounded in bytes too). */
const MAX_BODY_CHARS = 16_384;

function bodyOf(e: MessageEvent): unknown {
  const m = e.message;
  const body =
    m.type === 4 || m.type === 5
      ? { errorCode: m.errorCode, errorDescription: m.errorDescription, errorDetails: m.errorDetails }
      : m.payload;
  const text = JSON.stringify(body);
  if (text.length <= MAX_BODY_CHARS) return body;
  return { truncated: true, chars: text.length, preview: text.slice(0, 2_048) };
}

/**
 * What the operator keeps for a station some browser has open: its last `logSize` messages in and out
 * (as the dispatcher hands them out: redacted when a redactor is registered) and counters since it was
 * first opened. Dropped when the last browser leaves it.
 */
export class StationWatch {
  private readonly log: LogEntry[] = [];
  /** Entries not yet sent to the browsers watching. */
  fresh: LogEntry[] = [];
  messagesIn = 0;
  messagesOut = 0;
  callErrors = 0;
  offlineQueue: number | null = null;
  /** Something changed since the last batch (a message, or the station's state). */
  changed = true;
  viewers = 0;

  constructor(
    readonly identity: string,
    private readonly logSize: number,
  ) {}

  record(e: MessageEvent): void {
    if (e.direction === 'IN') this.messagesIn++;
    else this.messagesOut++;
    if (e.message.type === 4) this.callErrors++;
    const entry: LogEntry = {
      at: e.ctx.timestamp.getTime(),
      direction: e.direction,
      type: e.ctx.type,
      messageId: e.ctx.messageId,
      action: e.ctx.action ?? null,
      body: bodyOf(e),
      latencyMs: e.ctx.latencyMs === undefined ? null : Math.round(e.ctx.latencyMs * 10) / 10,
    };
    this.log.push(entry);
    if (this.log.length > this.logSize) this.log.shift();
    this.fresh.push(entry);
    if (this.fresh.length > this.logSize) this.fresh.shift();
    this.changed = true;
  }

  whole(): LogEntry[] {
    return [...this.log];
  }

  counters(): StationCounters {
    return {
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
      callErrors: this.callErrors,
      offlineQueue: this.offlineQueue,
    };
  }
}
