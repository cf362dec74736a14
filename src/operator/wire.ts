/**
 * What the operator page's server and browser say to each other (types only: the page imports them too).
 * Rows are tuples: a snapshot of 10,000 stations is half the bytes of the same as objects.
 */

/** One station of the list: [identity, protocol, connection, registration, breaker, queued calls, connected since (ms), last message (ms), replay]. */
export type StationRow = [
  identity: string,
  protocol: string,
  connection: string,
  registration: string,
  breaker: string,
  queuedCalls: number,
  connectedAt: number | null,
  lastMessageAt: number | null,
  replay: string,
];

/** The first event of a stream: its id (for `select`) and the whole list. */
export interface HelloEvent {
  readonly stream: string;
  readonly rows: StationRow[];
  readonly at: number;
}

/** The whole list again: after the browser fell behind and its queued updates were dropped. */
export interface SnapshotEvent {
  readonly rows: StationRow[];
  readonly at: number;
  /** Updates this browser has lost so far. */
  readonly dropped: number;
}

/** Rows that changed since the last batch, and stations forgotten. */
export interface RowsEvent {
  readonly rows: StationRow[];
  readonly removed: string[];
}

export interface LogEntry {
  readonly at: number;
  readonly direction: 'IN' | 'OUT';
  readonly type: string;
  readonly messageId: string;
  readonly action: string | null;
  /** Payload (redacted when the PII plugin is on); for a CALLERROR, code, description and details. */
  readonly body: unknown;
  readonly latencyMs: number | null;
}

export interface StationStatusView {
  readonly identity: string;
  readonly protocol: string;
  readonly remoteAddress: string | null;
  readonly connection: string;
  readonly registration: string;
  readonly breaker: string;
  readonly replay: string;
  readonly queuedCalls: number;
  readonly handlingCalls: number;
  readonly connectedAt: number | null;
  readonly connections: number;
  readonly lastMessageAt: number | null;
}

export interface StationCounters {
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly callErrors: number;
  readonly offlineQueue: number | null;
}

/** The selected station: status, the active state ids per machine, counters, new log entries. */
export interface StationEvent {
  readonly identity: string;
  readonly known: boolean;
  readonly status: StationStatusView | null;
  /** Machine id -> ids of its active states (leaves and their ancestors). */
  readonly active: Record<string, string[]>;
  readonly counters: StationCounters;
  readonly log: LogEntry[];
  /** True when `log` is the whole kept log (first event after selecting), not new entries. */
  readonly fullLog: boolean;
}

export interface FleetSample {
  readonly at: number;
  readonly connected: number;
  readonly known: number;
  /** Frames per second in and out since the previous sample (from metricsPlugin). */
  readonly callsPerSecond: number | null;
}

export interface FleetEvent {
  readonly samples: FleetSample[];
  /** True when `samples` is the whole kept history. */
  readonly full: boolean;
  /** CALLERRORs by code since start (metricsPlugin); null without it. */
  readonly errorsByCode: Record<string, number> | null;
  readonly metrics: boolean;
}

export interface DiagramNode {
  readonly id: string;
  readonly label: string;
  readonly type: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly initial: boolean;
}

export interface DiagramEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly label: string;
  /** Polyline points, absolute. */
  readonly points: { x: number; y: number }[];
  readonly labelAt: { x: number; y: number } | null;
}

export interface Diagram {
  readonly id: string;
  readonly title: string;
  /** Whether the CSMS runs this machine per station (its states light up) or only shows it. */
  readonly live: boolean;
  readonly note: string;
  readonly width: number;
  readonly height: number;
  readonly nodes: DiagramNode[];
  readonly edges: DiagramEdge[];
}

export interface CommandSpec {
  readonly action: string;
  /** The request's JSON schema for the station's version (OCA's, as validated on send). */
  readonly schema: Record<string, unknown>;
}

export interface StationDetail {
  readonly status: StationStatusView;
  readonly commands: CommandSpec[];
  readonly inspector: boolean;
  readonly inspected: boolean;
}

export type CallOutcome =
  | { readonly ok: true; readonly response: unknown; readonly ms: number }
  | {
      readonly ok: false;
      readonly error: { readonly name: string; readonly code: string | null; readonly message: string };
    };
