import type { OcppPlugin, PluginContext, PluginSecurityEventType } from '../hooks/types.js';

export interface AnomalyOptions {
  /** Connections of one identity within `windowMs` that make a reconnect storm. Default 5. */
  reconnectThreshold?: number;
  /** Refused credentials from one address within `windowMs` that make a brute-force attempt. Default 5. */
  authFailureThreshold?: number;
  /** Malformed or invalid frames from one identity within `windowMs` that make fuzzing. Default 10. */
  badMessageThreshold?: number;
  /** Connections of one identity from another address while connected, within `windowMs`. Default 3. */
  collisionThreshold?: number;
  /** ocpp-ws-io 2.x's name for `collisionThreshold` (used when that is not given). */
  evictionThreshold?: number;
  /** Sliding window. Default 60000. */
  windowMs?: number;
  /**
   * What to do beyond the `ANOMALY_*` security event: `"alert"` (default) nothing; `"refuse"` refuses
   * the identity's (or, for brute force, the address's) handshakes with 429 for `blockMs`, and closes a
   * fuzzing station's connection.
   */
  action?: 'alert' | 'refuse';
  /** Default `windowMs`. */
  blockMs?: number;
  /** Tracked identities and addresses at most (oldest dropped first). Default 10000. */
  maxTracked?: number;
}

/** Timestamps within the window, kept per key; bounded in keys (insertion order = least recent first). */
class Windows {
  private readonly hits = new Map<string, number[]>();
  constructor(
    private readonly windowMs: number,
    private readonly maxKeys: number,
  ) {}

  /** Records a hit; the hits within the window, this one included. */
  hit(key: string, now: number): number {
    const list = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    list.push(now);
    this.hits.delete(key);
    this.hits.set(key, list);
    if (this.hits.size > this.maxKeys) this.hits.delete(this.hits.keys().next().value!);
    return list.length;
  }

  clear(key: string): void {
    this.hits.delete(key);
  }
}

/**
 * Watches for reconnect storms, credential brute force, message fuzzing and identity collisions; each
 * crossing of a threshold is an `ANOMALY_*` security event, and with `action: "refuse"` a block.
 */
export function anomalyPlugin(options: AnomalyOptions = {}): OcppPlugin {
  const windowMs = options.windowMs ?? 60_000;
  const blockMs = options.blockMs ?? windowMs;
  const max = options.maxTracked ?? 10_000;
  const refuse = options.action === 'refuse';
  const thresholds = {
    reconnect: options.reconnectThreshold ?? 5,
    auth: options.authFailureThreshold ?? 5,
    bad: options.badMessageThreshold ?? 10,
    collision: options.collisionThreshold ?? options.evictionThreshold ?? 3,
  };
  const connects = new Windows(windowMs, max);
  const authFailures = new Windows(windowMs, max);
  const bad = new Windows(windowMs, max);
  const collisions = new Windows(windowMs, max);
  /** Blocked identities (`id:`) and addresses (`ip:`) until a time. */
  const blocked = new Map<string, number>();
  let ctx: PluginContext | undefined;

  const flag = (
    type: PluginSecurityEventType,
    count: number,
    threshold: number,
    who: { identity?: string; remoteAddress?: string },
  ): boolean => {
    // Once per crossing: at the threshold, not on every hit past it.
    if (count !== threshold) return false;
    ctx?.securityEvent(type, { ...who, details: { count, windowMs } });
    if (refuse) {
      if (who.identity) blocked.set(`id:${who.identity}`, Date.now() + blockMs);
      else if (who.remoteAddress) blocked.set(`ip:${who.remoteAddress}`, Date.now() + blockMs);
      if (blocked.size > max) blocked.delete(blocked.keys().next().value!);
    }
    return true;
  };

  const isBlocked = (key: string, now: number): boolean => {
    const until = blocked.get(key);
    if (until === undefined) return false;
    if (until > now) return true;
    blocked.delete(key);
    return false;
  };

  return {
    name: 'anomaly',
    level: 2,
    setup(c) {
      ctx = c;
    },
    onHandshake(h) {
      if (!refuse || blocked.size === 0) return undefined;
      const now = Date.now();
      if (
        (h.identity !== undefined && isBlocked(`id:${h.identity}`, now)) ||
        (h.remoteAddress !== undefined && isBlocked(`ip:${h.remoteAddress}`, now))
      )
        return { status: 429, reason: 'anomaly: blocked' };
      return undefined;
    },
    events: {
      connected: ({ station }) => {
        const n = connects.hit(station.identity, Date.now());
        flag('ANOMALY_RAPID_RECONNECT', n, thresholds.reconnect, {
          identity: station.identity,
          remoteAddress: station.remoteAddress,
        });
      },
      evicted: ({ station, replacement }) => {
        // Moved to another node of a cluster (address unknown here): a reconnect, not a collision.
        if (replacement.remoteAddress === undefined || station.remoteAddress === replacement.remoteAddress)
          return;
        const n = collisions.hit(station.identity, Date.now());
        flag('ANOMALY_IDENTITY_COLLISION', n, thresholds.collision, {
          identity: station.identity,
          remoteAddress: replacement.remoteAddress,
        });
      },
      authFailed: ({ handshake }) => {
        const address = handshake.remoteAddress;
        if (!address) return;
        const n = authFailures.hit(address, Date.now());
        flag('ANOMALY_AUTH_BRUTE_FORCE', n, thresholds.auth, { remoteAddress: address });
      },
      badMessage: ({ station }) => fuzzed(station.identity, station.remoteAddress),
      validationFailure: ({ station, direction }) => {
        if (direction === 'IN') fuzzed(station.identity, station.remoteAddress);
      },
      forgotten: ({ identity }) => {
        connects.clear(identity);
        bad.clear(identity);
        collisions.clear(identity);
      },
    },
  };

  function fuzzed(identity: string, remoteAddress: string | undefined): void {
    const n = bad.hit(identity, Date.now());
    if (
      flag('ANOMALY_MESSAGE_FUZZING', n, thresholds.bad, {
        identity,
        ...(remoteAddress ? { remoteAddress } : {}),
      }) &&
      refuse
    )
      void ctx?.csms.close(identity, 1008, 'Too many malformed messages');
  }
}
