import { type Bus, COMMAND_EXPIRED_SUBJECT, type CommandExpiredEvent } from '../bus/types.js';
import type { Dispatcher } from '../hooks/dispatcher.js';
import type { CsmsEventMap } from '../hooks/types.js';

/**
 * `commandExpired` events for the commands this node's queue consumers dropped for age (the bus
 * reports each on COMMAND_EXPIRED_SUBJECT to every node; the node that dropped it emits the event).
 * One subscription per CSMS; nothing per message. Returns the stop function.
 */
export function reportExpiredCommands(bus: Bus, dispatcher: Dispatcher<CsmsEventMap>): () => void {
  const sub = bus.subscribe(COMMAND_EXPIRED_SUBJECT);
  void (async () => {
    for await (const m of sub) {
      // NATS names the node whose consumer dropped it; the memory bus reports as '_bus' (one process).
      if (m.origin !== bus.nodeId && m.origin !== '_bus') continue;
      const e = m.data as CommandExpiredEvent;
      dispatcher.emit('commandExpired', {
        identity: e.station,
        seq: e.seq,
        action: e.command.action,
        enqueuedAt: e.command.enqueuedAt,
        ttlMs: e.command.ttlMs,
      });
    }
  })();
  return () => sub.unsubscribe();
}
