import type { JetStreamClient, JetStreamPublishOptions, PubAck } from 'nats';
import { Deque } from '../deque.js';
import { BusBackpressureError } from '../errors.js';

/**
 * Pipelines JetStream publishes: up to `maxInFlight` wait for their acknowledgement at once (an
 * awaited publish per event would cap a node at one round trip per event), up to `maxBuffered`
 * more wait for a slot, and past that a publish is refused with BusBackpressureError and counted.
 * Memory stays bounded however slow the server is.
 */
export class Publisher {
  inFlight = 0;
  bufferFull = 0;
  private readonly waiting = new Deque<() => void>();

  constructor(
    private readonly js: JetStreamClient,
    private readonly maxInFlight: number,
    private readonly maxBuffered: number,
  ) {}

  get buffered(): number {
    return this.waiting.length;
  }

  async publish(
    subject: string,
    payload: Uint8Array,
    opts: Partial<JetStreamPublishOptions>,
  ): Promise<PubAck> {
    if (this.inFlight >= this.maxInFlight) {
      if (this.waiting.length >= this.maxBuffered) {
        this.bufferFull++;
        throw new BusBackpressureError(this.maxBuffered);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.inFlight++;
    try {
      return await this.js.publish(subject, payload, opts);
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  /** Resolves once nothing is in flight or waiting (close waits for this). */
  async idle(): Promise<void> {
    while (this.inFlight > 0 || this.waiting.length > 0) await new Promise((r) => setTimeout(r, 5));
  }
}
