import type { Bus } from '../../bus/types.js';
import type { Payload } from '../../protocol/frames.js';
import type { CallOptions } from '../../rpc/runtime.js';

/** What the cluster parts need from the CSMS they serve (implemented by the CSMS facade). */
export interface ClusterHost {
  readonly nodeId: string;
  readonly bus: Bus;
  readonly leaseMs: number;
  /** A station's stored registration lapses this long after it was last written. */
  readonly registrationTtlMs: number;
  /** Call a station connected to this node (the routed call's last hop). */
  localCall(identity: string, action: string, payload: Payload, options: CallOptions): Promise<Payload>;
  /** Is the station connected to this node? */
  isConnected(identity: string): boolean;
  /** Close this node's socket of a station `owner` now holds (4000). */
  evict(identity: string, owner: string): void;
  /** Commands were queued for a station this node serves: flush them. */
  flush(identity: string): void;
  /** A bus operation failed: reported (`clusterError` event), never swallowed. */
  busError(operation: string, identity: string | undefined, error: unknown): undefined;
}
