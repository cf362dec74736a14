import { createHash } from 'node:crypto';
import { BusUnavailableError } from '../../bus/errors.js';
import type { Bus, CallClaim } from '../../bus/types.js';
import { RpcError } from '../../protocol/errors.js';
import type { Payload } from '../../protocol/frames.js';
import { type Handler, type HandlerContext, NOREPLY } from '../../rpc/handlers.js';

/** What is recorded for a handled CALL: its CALLRESULT payload or its CALLERROR. */
type Recorded =
  | { readonly r: Payload }
  | { readonly e: { kind: string; description: string; details: Record<string, unknown> } };

/**
 * CALL de-duplication across nodes, keeping the answer: a station that retries a CALL after
 * reconnecting (to this node or another) within `windowMs` gets the first answer again and the
 * handler runs once. The key is the station, message id, action and a digest of the payload, so a
 * station whose message ids restart after a reboot is never answered with an older CALL's result.
 *
 * - a retry while the first attempt is still being handled on another node gets no answer (the
 *   station times out and retries; the retry gets the recorded answer); on the same connection the
 *   RPC layer already answers it with RpcFrameworkError;
 * - when the bus cannot tell (outage), the handler runs (stations keep being served) and a
 *   `clusterError` event says the CALL was not de-duplicated.
 */
export function dedupHandler(
  bus: Bus,
  windowMs: number,
  handler: Handler,
  report: (operation: string, identity: string, error: unknown) => void,
): Handler {
  return async (ctx: HandlerContext) => {
    const identity = ctx.station.identity;
    const key = `${ctx.messageId}|${ctx.action}|${digest(ctx.payload)}`;
    let claim: CallClaim;
    // Known to be cut off: serve now rather than after the bus's timeout, and say so.
    if (!bus.stats().connected) {
      report('claimCall', identity, new BusUnavailableError('claimCall'));
      return handler(ctx);
    }
    try {
      claim = await bus.claimCall(identity, key, windowMs);
    } catch (error) {
      report('claimCall', identity, error);
      return handler(ctx);
    }
    if (!claim.first) {
      if (claim.answer === undefined) return NOREPLY;
      const recorded = JSON.parse(claim.answer) as Recorded;
      if ('r' in recorded) return recorded.r;
      throw new RpcError(
        recorded.e.kind as ConstructorParameters<typeof RpcError>[0],
        recorded.e.description,
        recorded.e.details,
      );
    }
    let recorded: Recorded;
    let result: Awaited<ReturnType<Handler>>;
    try {
      result = await handler(ctx);
      if (result === NOREPLY) return result;
      recorded = { r: result as Payload };
    } catch (error) {
      if (error instanceof RpcError)
        await record(bus, identity, key, {
          e: { kind: error.kind, description: error.description, details: error.details },
        }).catch((e) => report('recordAnswer', identity, e));
      throw error;
    }
    // Recorded before the answer leaves, so a retry on another node can never find no answer.
    await record(bus, identity, key, recorded).catch((e) => report('recordAnswer', identity, e));
    return result;
  };
}

function record(bus: Bus, identity: string, key: string, recorded: Recorded): Promise<void> {
  return bus.recordAnswer(identity, key, JSON.stringify(recorded));
}

function digest(payload: unknown): string {
  return createHash('sha1').update(JSON.stringify(payload)).digest('base64url').slice(0, 16);
}
