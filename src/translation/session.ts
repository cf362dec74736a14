/**
 * Where translation state lives: transaction-id mappings, pending aggregations, custom mapper state.
 * The seed's interface, plus an optional atomic `increment`: a store shared by several proxy nodes must
 * hand out each 1.6 transaction id once, so the counter lives in the store, not in a process.
 * `clear(identity)` forgets a station for good; nothing calls it on a mere disconnect.
 */
export interface ISessionStore {
  set(identity: string, key: string, value: unknown): Promise<void>;
  get<T = unknown>(identity: string, key: string): Promise<T | undefined>;
  delete(identity: string, key: string): Promise<void>;
  clear(identity: string): Promise<void>;
  /** Atomically add one to the store-wide counter `name` and resolve with the new value (first: 1). */
  increment?(name: string): Promise<number>;
  close?(): Promise<void>;
}

/**
 * The default store, for a single proxy process: state is lost on restart. Values are kept as JSON text,
 * as a shared store keeps them: a mapper that mutates what it read cannot change the stored state, and a
 * value a shared store could not hold fails here too. (JSON beats structuredClone for these small values.)
 */
export class InMemorySessionStore implements ISessionStore {
  private readonly stations = new Map<string, Map<string, string>>();
  private readonly counters = new Map<string, number>();

  async set(identity: string, key: string, value: unknown): Promise<void> {
    // JSON has no undefined: storing it means having no value.
    if (value === undefined) return this.delete(identity, key);
    let entries = this.stations.get(identity);
    if (!entries) {
      entries = new Map();
      this.stations.set(identity, entries);
    }
    entries.set(key, JSON.stringify(value));
  }

  async get<T = unknown>(identity: string, key: string): Promise<T | undefined> {
    const text = this.stations.get(identity)?.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  async delete(identity: string, key: string): Promise<void> {
    this.stations.get(identity)?.delete(key);
  }

  async clear(identity: string): Promise<void> {
    this.stations.delete(identity);
  }

  async increment(name: string): Promise<number> {
    const next = (this.counters.get(name) ?? 0) + 1;
    this.counters.set(name, next);
    return next;
  }
}
