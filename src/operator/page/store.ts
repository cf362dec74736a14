import type { StationRow } from '../wire.js';

/** Row fields by name (rows are tuples on the wire). */
export const F = {
  identity: 0,
  protocol: 1,
  connection: 2,
  registration: 3,
  breaker: 4,
  queuedCalls: 5,
  connectedAt: 6,
  lastMessageAt: 7,
  replay: 8,
} as const;

export type Filter =
  | 'all'
  | 'connected'
  | 'disconnected'
  | 'accepted'
  | 'pending'
  | 'rejected'
  | 'unregistered'
  | 'breaker';

const matches: Record<Filter, (r: StationRow) => boolean> = {
  all: () => true,
  connected: (r) => r[F.connection] === 'open',
  disconnected: (r) => r[F.connection] !== 'open',
  accepted: (r) => r[F.registration] === 'accepted',
  pending: (r) => r[F.registration] === 'pending',
  rejected: (r) => r[F.registration] === 'rejected',
  unregistered: (r) => r[F.registration] === 'unregistered',
  breaker: (r) => r[F.breaker] !== 'closed',
};

/** Every station the page knows, kept sorted by identity; the filtered view is recomputed lazily. */
export class StationStore {
  private readonly rows = new Map<string, StationRow>();
  private sorted: string[] = [];
  private sortDue = false;
  private view: StationRow[] = [];
  private viewDue = true;
  search = '';
  filter: Filter = 'all';
  private readonly listeners = new Set<() => void>();

  replace(rows: StationRow[]): void {
    this.rows.clear();
    for (const r of rows) this.rows.set(r[F.identity], r);
    this.sortDue = true;
    this.changed();
  }

  update(rows: StationRow[], removed: string[]): void {
    for (const r of rows) {
      if (!this.rows.has(r[F.identity])) this.sortDue = true;
      this.rows.set(r[F.identity], r);
    }
    for (const id of removed) if (this.rows.delete(id)) this.sortDue = true;
    this.changed();
  }

  get size(): number {
    return this.rows.size;
  }

  get(identity: string): StationRow | undefined {
    return this.rows.get(identity);
  }

  setQuery(search: string, filter: Filter): void {
    this.search = search.trim().toLowerCase();
    this.filter = filter;
    this.changed();
  }

  /** The rows that pass the search and filter, in identity order. */
  visible(): StationRow[] {
    if (this.sortDue) {
      this.sorted = [...this.rows.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      this.sortDue = false;
      this.viewDue = true;
    }
    if (this.viewDue) {
      const test = matches[this.filter];
      const q = this.search;
      const out: StationRow[] = [];
      for (const id of this.sorted) {
        const r = this.rows.get(id);
        if (r && test(r) && (!q || id.toLowerCase().includes(q))) out.push(r);
      }
      this.view = out;
      this.viewDue = false;
    }
    return this.view;
  }

  counts(): { connected: number; accepted: number; total: number } {
    let connected = 0;
    let accepted = 0;
    for (const r of this.rows.values()) {
      if (r[F.connection] === 'open') connected++;
      if (r[F.registration] === 'accepted') accepted++;
    }
    return { connected, accepted, total: this.rows.size };
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    this.viewDue = true;
    for (const fn of this.listeners) fn();
  }
}
