import type { AnyStateMachine } from 'xstate';

/** A machine's states and transitions, read from its definition (nothing here is per machine). */
export interface MachineGraph {
  readonly nodes: { id: string; label: string; type: string; initial: boolean; parent: string | undefined }[];
  readonly edges: { id: string; source: string; target: string; label: string }[];
}

interface StateNodeLike {
  readonly id: string;
  readonly key: string;
  readonly type: string;
  readonly states: Record<string, StateNodeLike>;
  readonly initial?: { target?: readonly StateNodeLike[] } | undefined;
  readonly transitions: ReadonlyMap<string, readonly TransitionLike[]>;
  readonly always?: readonly TransitionLike[] | undefined;
}

interface TransitionLike {
  readonly target?: readonly StateNodeLike[] | undefined;
  readonly guard?: unknown;
  readonly eventType: string;
}

/** XState's internal event names said the way a statechart labels them. */
export function eventLabel(eventType: string, owner: string): string {
  if (eventType.startsWith('xstate.after.')) {
    const rest = eventType.slice('xstate.after.'.length);
    const delay = rest.endsWith(`.${owner}`) ? rest.slice(0, -owner.length - 1) : rest;
    return `after ${delay}`;
  }
  if (eventType.startsWith('xstate.done.actor.')) return `done: ${eventType.slice(18)}`;
  if (eventType.startsWith('xstate.error.actor.')) return `error: ${eventType.slice(19)}`;
  if (eventType === '') return 'always';
  return eventType;
}

/** A guard's name with its parameters: `bootStatusIs(Accepted)`, `and(a, b)`; an inline one is `guard`. */
export function guardLabel(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  const g = guard as { type?: unknown; params?: unknown; guards?: unknown[]; name?: string };
  const params =
    g.params && typeof g.params === 'object'
      ? `(${Object.values(g.params as Record<string, unknown>).join(', ')})`
      : '';
  if (Array.isArray(g.guards)) {
    const op = typeof g.type === 'string' ? g.type.replace(/^xstate\./, '') : 'and';
    return `${op}(${g.guards.map((x) => guardLabel(x) ?? 'guard').join(', ')})`;
  }
  if (typeof g.type === 'string') return `${g.type}${params}`;
  if (typeof guard === 'function') return (guard as { name?: string }).name || 'guard';
  return 'guard';
}

/** Walk a machine's state nodes: every state but the root, every transition that has a target. */
export function machineGraph(machine: AnyStateMachine): MachineGraph {
  const nodes: MachineGraph['nodes'] = [];
  const edges: MachineGraph['edges'] = [];
  const root = machine.root as unknown as StateNodeLike;
  const visit = (n: StateNodeLike, parent: StateNodeLike | undefined) => {
    const initials = new Set((n.initial?.target ?? []).map((t) => t.id));
    for (const child of Object.values(n.states)) {
      nodes.push({
        id: child.id,
        label: child.key,
        type: child.type,
        initial: initials.has(child.id),
        parent: n === root ? undefined : n.id,
      });
    }
    const transitions = [...n.transitions.values()].flat().concat(n.always ?? []);
    for (const t of transitions) {
      const guard = guardLabel(t.guard);
      const label = `${eventLabel(t.eventType, n.id)}${guard ? ` [${guard}]` : ''}`;
      for (const target of t.target ?? []) {
        if (n === root) continue;
        edges.push({ id: `e${edges.length}`, source: n.id, target: target.id, label });
      }
    }
    for (const child of Object.values(n.states)) visit(child, n);
    void parent;
  };
  visit(root, undefined);
  return { nodes, edges };
}
