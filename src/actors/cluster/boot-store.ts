import type { RestoredRegistration } from '../../machines/station.js';
import { type Handler, type HandlerContext, NOREPLY } from '../../rpc/handlers.js';

/**
 * A BootNotification handler whose answer waits until the registration it gives is stored on the
 * bus. Acknowledged means stored: a station that boots on one node and reconnects to another within
 * milliseconds (a load balancer's choice, a node's restart) is served there at once instead of being
 * refused until it boots again. Other actions (a `*` handler sees them all) pass straight through.
 * `store` resolves whether or not the write succeeded (a failure is reported as a `clusterError`).
 */
export function storingBoot(
  handler: Handler,
  store: (identity: string, registration: RestoredRegistration) => Promise<void>,
): Handler {
  const storedAfter = async (ctx: HandlerContext) => {
    const result = await handler(ctx);
    if (result === NOREPLY || typeof result !== 'object' || !result) return result;
    const { status, interval } = result as { status?: unknown; interval?: unknown };
    if (status === 'Accepted' || status === 'Pending' || status === 'Rejected')
      await store(ctx.station.identity, {
        status,
        interval: typeof interval === 'number' ? interval : 0,
        bootedAt: Date.now(),
      });
    return result;
  };
  // A `*` handler's other calls stay as they were (a synchronous answer is not made a promise).
  return (ctx: HandlerContext) => (ctx.action === 'BootNotification' ? storedAfter(ctx) : handler(ctx));
}
