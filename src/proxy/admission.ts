import type { Station } from '../client/index.js';

/** Refusals of the upstream handshake that retrying with the same identity and password cannot fix. */
export const FINAL_REFUSALS: ReadonlySet<number> = new Set([401, 403, 404]);

/** How the upstream leg's first connection attempt(s) ended. */
export type UpstreamOpening =
  | { readonly kind: 'open' }
  /** The CSMS refused the station for good (401, 403, 404). */
  | { readonly kind: 'refused'; readonly status: 401 | 403 | 404; readonly error: Error }
  /** Unreachable, another refusal (5xx, 429), or no answer within the wait. */
  | { readonly kind: 'down'; readonly error: Error };

/**
 * Start `upstream` connecting and wait for the first verdict: open, a final refusal, or down (the first
 * other failure, or `waitMs` without an answer). The client keeps retrying after a `down` verdict;
 * the caller decides whether to keep it.
 */
export function openUpstream(upstream: Station, waitMs: number): Promise<UpstreamOpening> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (opening: UpstreamOpening) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      off();
      resolve(opening);
    };
    const timer = setTimeout(
      () => finish({ kind: 'down', error: new Error(`the CSMS did not answer within ${waitMs} ms`) }),
      waitMs,
    );
    const off = upstream.on('connectFailed', ({ status, error }) => {
      if (status !== undefined && FINAL_REFUSALS.has(status))
        finish({ kind: 'refused', status: status as 401 | 403 | 404, error });
      else finish({ kind: 'down', error });
    });
    upstream.connect().then(
      () => finish({ kind: 'open' }),
      (error: unknown) => finish({ kind: 'down', error: error as Error }),
    );
  });
}
