import type { AnyActorRef, InspectionEvent } from 'xstate';

/** The station identity an actor belongs to: its own id under the system root, or its ancestor's. */
function stationOf(ref: AnyActorRef | undefined, rootId: string): string | undefined {
  let r = ref as (AnyActorRef & { _parent?: AnyActorRef }) | undefined;
  while (r) {
    const parent = r._parent as (AnyActorRef & { _parent?: AnyActorRef }) | undefined;
    if (parent && parent.sessionId === rootId) return r.id;
    r = parent;
  }
  return undefined;
}

/**
 * Inspection of chosen stations only, attached to the CSMS's actor system while any are chosen. XState
 * builds inspection events for every actor once anyone inspects, so the subscription exists only while
 * the set is non-empty (checked per event: an emptied set costs one lookup per event until `stop`).
 */
export function inspectStations(
  root: AnyActorRef,
  identities: ReadonlySet<string>,
  observer: (event: unknown) => void,
  actorOf: (identity: string) => AnyActorRef | undefined,
): { announce(identity: string): boolean; stop(): void } {
  const rootId = root.sessionId;
  const sub = root.system.inspect((e: InspectionEvent) => {
    if (identities.size === 0) return;
    const id = stationOf(e.actorRef as AnyActorRef, rootId);
    if (id !== undefined && identities.has(id)) observer(e);
  });
  return {
    announce(identity) {
      const actor = actorOf(identity);
      if (!actor) return false;
      observer({ type: '@xstate.actor', actorRef: actor, rootId });
      observer({
        type: '@xstate.snapshot',
        actorRef: actor,
        rootId,
        snapshot: actor.getSnapshot(),
        event: { type: 'xstate.init' },
      });
      return true;
    },
    stop: () => sub.unsubscribe(),
  };
}
