import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AnyStateMachine } from 'xstate';
import { breakerMachine } from '../machines/breaker.js';
import { replayMachine } from '../machines/replay.js';
import { stationMachine } from '../machines/station.js';
import { transactionMachine } from '../machines/transaction.js';
import { type MachineGraph, machineGraph } from './machine-graph.js';
import type { Diagram, DiagramEdge, DiagramNode } from './wire.js';

interface Shown {
  readonly machine: AnyStateMachine;
  readonly title: string;
  readonly live: boolean;
  readonly note: string;
}

/** The machines a station's page draws, in order. Their drawings come from the definitions. */
const SHOWN: readonly Shown[] = [
  {
    machine: stationMachine,
    title: 'Station: connection and registration',
    live: true,
    note: 'One actor per station: its socket and its BootNotification answer.',
  },
  {
    machine: breakerMachine,
    title: 'Circuit breaker',
    live: true,
    note: 'Over the CSMS’s calls to the station; its actor exists once a call failed (closed until then).',
  },
  {
    machine: replayMachine,
    title: 'Offline queue replay',
    live: true,
    note: 'Flushes commands queued with csms.enqueue once the station is connected and Accepted.',
  },
  {
    machine: transactionMachine,
    title: 'Transaction (translation proxy)',
    live: false,
    note: 'Run per EVSE transaction by the protocol proxy (ocpp-actors/proxy), not by the CSMS: shown for reference.',
  },
];

// ELK's types are loose; these are the parts of its input and output used here.
interface ElkNode {
  id: string;
  width?: number;
  height?: number;
  x?: number;
  y?: number;
  labels?: { text: string; width?: number; height?: number; x?: number; y?: number }[];
  children?: ElkNode[];
  edges?: ElkEdge[];
  layoutOptions?: Record<string, string>;
}
interface ElkEdge {
  id: string;
  sources: string[];
  targets: string[];
  labels?: { text: string; width: number; height: number; x?: number; y?: number }[];
  sections?: {
    startPoint: { x: number; y: number };
    endPoint: { x: number; y: number };
    bendPoints?: { x: number; y: number }[];
  }[];
  container?: string;
}

const CHAR_WIDTH = 6.6;
const textWidth = (s: string) => Math.ceil(s.length * CHAR_WIDTH) + 12;

function elkGraphOf(id: string, g: MachineGraph): ElkNode {
  const byId = new Map<string, ElkNode>();
  const root: ElkNode = {
    id: `${id}#root`,
    children: [],
    edges: [],
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '46',
      'elk.spacing.nodeNode': '30',
      'elk.spacing.edgeLabel': '4',
      'elk.edgeLabels.inline': 'false',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
    },
  };
  const compound = new Set(g.nodes.filter((n) => g.nodes.some((c) => c.parent === n.id)).map((n) => n.id));
  for (const n of g.nodes) {
    const node: ElkNode = compound.has(n.id)
      ? {
          id: n.id,
          children: [],
          labels: [{ text: n.label, width: textWidth(n.label), height: 16 }],
          layoutOptions: { 'elk.padding': '[top=30,left=14,bottom=14,right=14]' },
        }
      : { id: n.id, width: Math.max(84, textWidth(n.label) + 18), height: 34 };
    byId.set(n.id, node);
    const parent = n.parent ? byId.get(n.parent) : root;
    (parent ?? root).children!.push(node);
  }
  root.edges = g.edges.map((e) => ({
    id: e.id,
    sources: [e.source],
    targets: [e.target],
    labels: [{ text: e.label, width: textWidth(e.label), height: 14 }],
  }));
  return root;
}

/** Lay a machine out with elkjs (loaded on first use: the CSMS never needs it unless a page asks). */
export async function layoutMachine(shown: Shown): Promise<Diagram> {
  const { default: ELK } = (await import('elkjs/lib/elk.bundled.js')) as unknown as {
    default: new () => { layout(g: ElkNode): Promise<ElkNode> };
  };
  const g = machineGraph(shown.machine);
  const id = shown.machine.id;
  const out = await new ELK().layout(elkGraphOf(id, g));
  const meta = new Map(g.nodes.map((n) => [n.id, n]));
  const offset = new Map<string, { x: number; y: number }>([[out.id, { x: 0, y: 0 }]]);
  const nodes: DiagramNode[] = [];
  const walk = (n: ElkNode, at: { x: number; y: number }) => {
    for (const c of n.children ?? []) {
      const abs = { x: at.x + (c.x ?? 0), y: at.y + (c.y ?? 0) };
      offset.set(c.id, abs);
      const m = meta.get(c.id)!;
      nodes.push({
        id: c.id,
        label: m.label,
        type: m.type,
        initial: m.initial,
        x: round(abs.x),
        y: round(abs.y),
        width: round(c.width ?? 0),
        height: round(c.height ?? 0),
      });
      walk(c, abs);
    }
  };
  walk(out, { x: 0, y: 0 });
  const edges: DiagramEdge[] = [];
  const collect = (n: ElkNode) => {
    for (const e of n.edges ?? []) {
      const at = offset.get(e.container ?? n.id) ?? { x: 0, y: 0 };
      const points = (e.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
      const label = e.labels?.[0];
      const src = g.edges.find((x) => x.id === e.id)!;
      edges.push({
        id: e.id,
        source: src.source,
        target: src.target,
        label: src.label,
        points: points.map((p) => ({ x: round(p.x + at.x), y: round(p.y + at.y) })),
        labelAt:
          label?.x === undefined || label.y === undefined
            ? null
            : { x: round(label.x + at.x), y: round(label.y + at.y) },
      });
    }
    for (const c of n.children ?? []) collect(c);
  };
  collect(out);
  return {
    id,
    title: shown.title,
    live: shown.live,
    note: shown.note,
    width: round(out.width ?? 0),
    height: round(out.height ?? 0),
    nodes,
    edges,
  };
}

const round = (v: number) => Math.round(v * 10) / 10;

/** What a layout was made from: a machine whose states or transitions changed is laid out again. */
function fingerprintOf(shown: Shown): string {
  const g = machineGraph(shown.machine);
  return createHash('sha256')
    .update(JSON.stringify([shown.title, shown.note, shown.live, g]))
    .digest('hex')
    .slice(0, 16);
}

export interface LaidOut {
  readonly fingerprint: string;
  readonly diagram: Diagram;
}

/** Every diagram laid out now (`npm run build` stores them beside this module as diagrams.json). */
export function layoutAll(): Promise<LaidOut[]> {
  return Promise.all(
    SHOWN.map(async (shown) => ({ fingerprint: fingerprintOf(shown), diagram: await layoutMachine(shown) })),
  );
}

function stored(): Map<string, Diagram> {
  try {
    const list = JSON.parse(readFileSync(new URL('./diagrams.json', import.meta.url), 'utf8')) as LaidOut[];
    return new Map(list.map((l) => [l.fingerprint, l.diagram]));
  } catch {
    return new Map(); // running from the sources, or not built: laid out here
  }
}

let cached: Promise<Diagram[]> | undefined;

/**
 * Every diagram, once per process: the build's layout when the machine is the one it was made from,
 * else laid out here by elkjs (about a second; a station page waits for it once).
 */
export function diagrams(): Promise<Diagram[]> {
  if (!cached) {
    const built = stored();
    cached = Promise.all(SHOWN.map((s) => built.get(fingerprintOf(s)) ?? layoutMachine(s)));
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}
