/**
 * A signal that aborts when `parent` does or after `ms` (reason: a `TimeoutError` DOMException, as
 * `AbortSignal.timeout` gives), with its own timer held until `done()`. Not
 * `AbortSignal.any([parent, AbortSignal.timeout(ms)])`: on Node 20 that timeout signal can be garbage
 * collected before it fires (nodejs/node#57736), and the deadline then never comes. The timer does
 * not keep the process alive; `done()` clears it and unhooks from `parent` (call it when the work
 * settles).
 */
export function deadline(parent: AbortSignal, ms: number): { signal: AbortSignal; done(): void } {
  const own = new AbortController();
  const relay = () => own.abort(parent.reason);
  const timer = setTimeout(() => own.abort(new DOMException(`timed out after ${ms} ms`, 'TimeoutError')), ms);
  timer.unref();
  if (parent.aborted) relay();
  else parent.addEventListener('abort', relay, { once: true });
  return {
    signal: own.signal,
    done() {
      clearTimeout(timer);
      parent.removeEventListener('abort', relay);
    },
  };
}
