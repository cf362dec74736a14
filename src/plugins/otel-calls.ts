import type { Link, Span } from '@opentelemetry/api';
import type { StationRef } from '../hooks/types.js';

/**
 * A CALL in progress. Its span is started when the answer comes (with the CALL's start time), or
 * earlier when its trace context is asked for: most calls are answered within milliseconds, and an SDK
 * span alive meanwhile is an object graph per call that the young-generation GC has to copy.
 */
export class OpenCall {
  span: Span | undefined = undefined;
  constructor(
    readonly messageId: string,
    readonly action: string,
    /** A CALL from the station (else one of ours to it). */
    readonly inbound: boolean,
    /** `performance.now()` when the CALL was seen. */
    readonly at: number,
  ) {}
}

/**
 * A station's CALLs in progress, each way, and the link to its connection span. OCPP-J allows one
 * outstanding CALL per direction, so each direction has a slot; a map, made only when a peer breaks
 * that rule, holds the rest. (A Map per station with one entry set and deleted per call cost more than
 * the rest of this plugin's own work: V8 reallocates a small hash table as it empties and fills.)
 */
export class StationCalls {
  /** The short span marking the connection; CALL spans link to it. */
  link: Link | undefined = undefined;
  size = 0;
  private inbound: OpenCall | undefined = undefined;
  private outbound: OpenCall | undefined = undefined;
  private more: Map<string, OpenCall> | undefined = undefined;

  constructor(public station: StationRef) {}

  add(call: OpenCall): void {
    this.size++;
    if (call.inbound && this.inbound === undefined) this.inbound = call;
    else if (!call.inbound && this.outbound === undefined) this.outbound = call;
    else {
      this.more ??= new Map();
      this.more.set(key(call.messageId, call.inbound), call);
    }
  }

  /** The call with this id made in this direction, removed: its answer came. */
  take(messageId: string, inbound: boolean): OpenCall | undefined {
    const slot = inbound ? this.inbound : this.outbound;
    if (slot !== undefined && slot.messageId === messageId) {
      if (inbound) this.inbound = undefined;
      else this.outbound = undefined;
      this.size--;
      return slot;
    }
    if (this.more === undefined) return undefined;
    const k = key(messageId, inbound);
    const call = this.more.get(k);
    if (call) {
      this.more.delete(k);
      this.size--;
    }
    return call;
  }

  /** A call in progress by id, the station's first (ids are the sender's: both sides may use one). */
  find(messageId: string): OpenCall | undefined {
    if (this.inbound?.messageId === messageId) return this.inbound;
    if (this.outbound?.messageId === messageId) return this.outbound;
    return this.more?.get(key(messageId, true)) ?? this.more?.get(key(messageId, false));
  }

  /** Every call in progress, removed (none will be answered). */
  drain(): OpenCall[] {
    const all: OpenCall[] = [];
    if (this.inbound) all.push(this.inbound);
    if (this.outbound) all.push(this.outbound);
    if (this.more) all.push(...this.more.values());
    this.inbound = undefined;
    this.outbound = undefined;
    this.more = undefined;
    this.size = 0;
    return all;
  }
}

const key = (messageId: string, inbound: boolean) => `${inbound ? '>' : '<'}${messageId}`;
