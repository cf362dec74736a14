import { afterEach, beforeEach, describe } from 'vitest';
import type { Bus } from '../../src/bus/types.js';
import { eventConformance } from './conformance-events.js';
import { extrasConformance } from './conformance-extras.js';
import { ownershipConformance } from './conformance-ownership.js';
import { queueConformance } from './conformance-queue.js';

/**
 * What an implementation provides to run the shared suite. Every node made by one fixture must
 * share state (one cluster / one NATS account), and start empty.
 */
export interface BusFixture {
  /** A node of the cluster under test; called at most once per id. */
  node(nodeId: string): Bus | Promise<Bus>;
  /** Lets `ms` of bus time pass (memory: move the injected clock and sweep; NATS: sleep). */
  advance(ms: number): Promise<void>;
  /** The per-station queue bound the fixture configured (keep it small). */
  readonly maxPerStation: number;
  /** How long "nothing happens" is waited for; a networked bus needs longer. Default 20. */
  readonly quietMs?: number;
  dispose(): Promise<void>;
}

export interface Ctx {
  readonly fx: BusFixture;
  /** Nodes 'a' and 'b' of the fixture, made fresh for each test. */
  readonly a: Bus;
  readonly b: Bus;
}

/** Registers the contract every {@link Bus} implementation must pass. */
export function busConformance(name: string, makeBus: () => BusFixture | Promise<BusFixture>): void {
  describe(`Bus conformance: ${name}`, () => {
    let ctx: Ctx | undefined;
    const get = (): Ctx => {
      if (!ctx) throw new Error('fixture not ready');
      return ctx;
    };
    beforeEach(async () => {
      const fx = await makeBus();
      ctx = { fx, a: await fx.node('a'), b: await fx.node('b') };
    });
    afterEach(async () => {
      const c = ctx;
      ctx = undefined;
      if (!c) return;
      await c.a.close();
      await c.b.close();
      await c.fx.dispose();
    });
    describe('events', () => eventConformance(get));
    describe('command queue', () => queueConformance(get));
    describe('ownership and lifecycle', () => ownershipConformance(get));
    describe('request/reply, durable consumers, kv, CALL de-duplication', () => extrasConformance(get));
  });
}

const TIMEOUT = Symbol('timeout');

/** The iterator's next value, failing the test rather than hanging if none comes within `ms`. */
export async function nextOf<T>(it: AsyncIterator<T>, ms = 2_000): Promise<T> {
  const r = await within(it.next(), ms);
  if (r === TIMEOUT) throw new Error(`no value within ${ms} ms`);
  if (r.done) throw new Error('iterator ended');
  return r.value;
}

/** Resolves `promise`'s value, or TIMEOUT if it takes longer than `ms`. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** True if `promise` is still pending after the fixture's quiet period. */
export async function stillPending(fx: BusFixture, promise: Promise<unknown>): Promise<boolean> {
  return (await within(promise, fx.quietMs ?? 20)) === TIMEOUT;
}

/** Waits until `check()` holds, failing after `ms`: for state a networked bus reaches asynchronously. */
export async function until(check: () => boolean | Promise<boolean>, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export { TIMEOUT };
