/**
 * Ties an iterator's end to an AbortSignal. Returns `undefined` when the signal is already
 * aborted (the iterator is born ended, before anyone registered it), otherwise the function that
 * detaches the listener once the iterator ended by other means.
 */
export function onAbort(signal: AbortSignal | undefined, end: () => void): (() => void) | undefined {
  if (!signal) return () => {};
  if (signal.aborted) return undefined;
  signal.addEventListener('abort', end, { once: true });
  return () => signal.removeEventListener('abort', end);
}
