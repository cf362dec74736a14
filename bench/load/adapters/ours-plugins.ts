/**
 * Ours (see ours.ts) with the observability plugins of plugin-set.ts registered. The report compares
 * its CPU per call with plain `ours` in the same run (target <= 1.15x).
 */

import { observabilityPlugins } from './plugin-set.js';

// BENCH_PLUGINS=metrics,otel: some of the set, to see what each costs.
const only = process.env.BENCH_PLUGINS?.split(',').filter(Boolean);
(globalThis as { benchPlugins?: object }).benchPlugins = { plugins: await observabilityPlugins(only) };
await import('./ours.js');
