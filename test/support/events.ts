/** Waiting for and recording runtime events in tests (any Csms). */
import type { Csms } from '../../src/actors/csms.js';
import type { CsmsEventMap, CsmsEventName } from '../../src/hooks/types.js';

/** Record every event of `names` emitted by `csms`, in order. */
export function record<K extends CsmsEventName>(csms: Csms, ...names: K[]): { [N in K]: CsmsEventMap[N][] } {
  const out = {} as { [N in K]: CsmsEventMap[N][] };
  for (const name of names) {
    const list: CsmsEventMap[K][] = [];
    out[name] = list as never;
    csms.on(name, (e) => list.push(e));
  }
  return out;
}

/** The next event `name` (matching `match`) emitted after this call, or a rejection after `timeoutMs`. */
export function nextEvent<K extends CsmsEventName>(
  csms: Csms,
  name: K,
  match: (e: CsmsEventMap[K]) => boolean = () => true,
  timeoutMs = 2_000,
): Promise<CsmsEventMap[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${name} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = csms.on(name, (e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}
