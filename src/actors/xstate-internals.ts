/**
 * Every use of XState internals, in one place: each is pinned to xstate 5.33.3 and checked by
 * test/runtime/xstate-internals.test.ts, which fails loudly if an upgrade changes what it relies on.
 */
import type { AnyActorRef, Snapshot } from 'xstate';

/**
 * Stop an actor that has a parent. XState's public `stop()` refuses non-root actors; the parent of a
 * station actor is only a shared system, not a supervisor that would stop it, so it is stopped as a
 * parent would (cancels its delayed events, unregisters it from the system).
 */
export function stopChild(actor: AnyActorRef): void {
  (actor as unknown as { _stop(): void })._stop();
}

/** The parts of an XState state node the actor template's soundness check reads. */
export interface InitialNode {
  entry: readonly unknown[];
  always?: readonly unknown[];
  after: readonly unknown[];
  invoke: readonly unknown[];
}

/** The state nodes a machine snapshot is in (XState keeps them as `_nodes`); undefined if absent. */
export function activeNodes(snapshot: Snapshot<unknown>): readonly InitialNode[] | undefined {
  return (snapshot as { _nodes?: InitialNode[] })._nodes;
}

/**
 * XState keeps `{ ...defaultOptions, ...options }` as `actor.options`. On Node 20 (V8 11.3) an object
 * built by a spread and then given new keys gets a hidden class of its own once the spread's inline
 * cache is warm (from about the 9th call), so every actor kept a private map and descriptor array:
 * ~300 B per station, measured with heap snapshots. An equal object built by Object.assign shares one.
 */
export function withSharedOptionsShape<A extends AnyActorRef>(actor: A): A {
  const a = actor as unknown as { options: object };
  a.options = Object.assign({}, a.options);
  return actor;
}
