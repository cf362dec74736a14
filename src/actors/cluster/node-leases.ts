import type { KvBucket } from '../../bus/types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What a node's entry in the `nodes` bucket holds. */
interface NodeLease {
  readonly expiresAt: number;
}

/**
 * Liveness per NODE rather than per station: each node keeps one lease entry (key = node id) in
 * the `nodes` bucket, renewed every third of `leaseMs`, and a station's claim is valid while the
 * lease of the node it names is live. So a node's upkeep costs one key-value write per third of a
 * lease whatever the number of its stations (per-station leases cost ~2k writes/s at 10k stations).
 *
 * Other nodes' leases are read on the same tick; a node named by a claim before its lease was read
 * is looked up at once (`learn`) and counts as live until then.
 */
export class NodeLeases {
  /** Node -> when its lease runs out, as last read (0: it has no entry, i.e. it stopped or never was). */
  private readonly leases = new Map<string, number>();
  private readonly learning = new Set<string>();

  constructor(
    private readonly bucket: KvBucket,
    private readonly nodeId: string,
    private readonly leaseMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes this node's lease (once before it claims anything, then on every tick). */
  async renew(): Promise<void> {
    const lease: NodeLease = { expiresAt: this.now() + this.leaseMs };
    await this.bucket.put(this.nodeId, encoder.encode(JSON.stringify(lease)));
    this.leases.set(this.nodeId, lease.expiresAt);
  }

  /**
   * Reads every node's lease: the nodes the bucket lists and those already known, each by a direct
   * read (a listing that misses a key must not make a live node look gone).
   */
  async refresh(): Promise<void> {
    const nodes = new Set(this.leases.keys());
    for await (const node of this.bucket.keys()) nodes.add(node);
    nodes.delete(this.nodeId);
    for (const node of nodes) await this.read(node);
  }

  /** A claim names `node`: read its lease now if it was never read. */
  learn(node: string, failed: (error: unknown) => void): void {
    if (this.leases.has(node) || this.learning.has(node)) return;
    this.learning.add(node);
    this.read(node)
      .catch(failed)
      .finally(() => this.learning.delete(node));
  }

  /** This node is always live to itself (it serves its stations while it runs); unknown nodes too. */
  live(node: string): boolean {
    if (node === this.nodeId) return true;
    const expiresAt = this.leases.get(node);
    return expiresAt === undefined || expiresAt > this.now();
  }

  /** Housekeeping shared by all nodes is done by one: the live node whose id sorts first. */
  isSweeper(): boolean {
    const now = this.now();
    for (const [node, at] of this.leases) if (at > now && node < this.nodeId) return false;
    return true;
  }

  /** Nodes whose lease was read and has run out (or whose entry is gone). */
  lapsed(): string[] {
    const now = this.now();
    return [...this.leases].filter(([node, at]) => node !== this.nodeId && at <= now).map(([node]) => node);
  }

  /** A node whose lapsed claims were all released is not looked at again until it writes a lease. */
  forget(node: string): void {
    this.leases.delete(node);
  }

  /** Clean shutdown: the entry goes, so other nodes see at once that this node is gone. */
  async stop(): Promise<void> {
    await this.bucket.delete(this.nodeId);
  }

  private async read(node: string): Promise<void> {
    const entry = await this.bucket.get(node);
    this.leases.set(node, entry ? (JSON.parse(decoder.decode(entry.value)) as NodeLease).expiresAt : 0);
  }
}
