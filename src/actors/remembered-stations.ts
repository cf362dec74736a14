/**
 * Disconnected stations whose actors are kept for a reconnect (`forgetAfterMs`), bounded: with
 * security profile 0, or an `auth` that accepts unknown identities, every new identity would
 * otherwise keep an actor for ten minutes, and nothing else limits how many identities a peer invents.
 * Least recently seen first out: a Map keeps insertion order, and a station is re-inserted when it
 * disconnects again.
 */
export class RememberedStations<T> {
  private readonly order = new Map<string, T>();
  /** Stations forgotten because the bound was reached, since start. */
  forgottenAtCapacity = 0;

  constructor(
    private readonly max: () => number,
    private readonly forget: (identity: string, station: T) => void,
  ) {}

  get size(): number {
    return this.order.size;
  }

  /** `identity` just disconnected; the least recently seen beyond the bound are forgotten. */
  disconnected(identity: string, station: T): void {
    this.order.delete(identity);
    this.order.set(identity, station);
    this.trim();
  }

  /** Connected again, or forgotten by its own timer: no longer a candidate. */
  drop(identity: string): void {
    this.order.delete(identity);
  }

  /** After the bound changed, or a station was added. */
  trim(): void {
    const max = this.max();
    for (const [identity, station] of this.order) {
      if (this.order.size <= max) return;
      this.order.delete(identity);
      this.forgottenAtCapacity++;
      this.forget(identity, station);
    }
  }
}
