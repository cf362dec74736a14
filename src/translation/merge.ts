import type { TranslationMap } from './types.js';

/** Combine presets (and overrides): later maps win per key, pass-through lists add up. */
export function mergePresets(...maps: readonly TranslationMap[]): TranslationMap {
  const out: Required<Omit<TranslationMap, 'passThrough'>> & { passThrough: string[] } = {
    upstream: {},
    downstream: {},
    responses: {},
    errors: {},
    passThrough: [],
  };
  for (const map of maps) {
    Object.assign(out.upstream, map.upstream);
    Object.assign(out.downstream, map.downstream);
    Object.assign(out.responses, map.responses);
    Object.assign(out.errors, map.errors);
    for (const k of map.passThrough ?? []) if (!out.passThrough.includes(k)) out.passThrough.push(k);
  }
  return out;
}
