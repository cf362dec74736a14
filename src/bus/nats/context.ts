import type { JetStreamClient, JetStreamManager, NatsConnection } from 'nats';
import type { Command } from '../types.js';
import type { Names } from './names.js';
import type { ResolvedOptions } from './options.js';
import type { Outbox } from './outbox.js';

/** Counters every part of a NATS bus node adds to (see BusStats). */
export interface Counters {
  published: number;
  deduplicated: number;
  enqueued: number;
  acked: number;
  terminated: number;
  redelivered: number;
  expired: number;
  errors: number;
}

/** What the parts of one NATS bus node share. */
export interface NatsContext {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly names: Names;
  readonly o: ResolvedOptions;
  readonly counters: Counters;
  /** Core publishes (events, requests, answers) sent together once per event-loop turn. */
  readonly outbox: Outbox;
  /** Publishes a `_bus.command.expired` event (de-duplicated: reported once per command). */
  reportExpired(station: string, seq: number, command: Command): Promise<void>;
}

export const isExpired = (c: Command, now: number): boolean =>
  c.ttlMs !== undefined && c.enqueuedAt + c.ttlMs <= now;
