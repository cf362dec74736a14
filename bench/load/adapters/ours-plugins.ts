/**
 * Ours (see ours.ts) with the observability plugins of plugin-set.ts registered. The report compares
 * its CPU per call with plain `ours` in the same run (target <= 1.15x).
 */

import { observabilityPlugins } from './plugin-set.js';

(globalThis as { benchPlugins?: object }).benchPlugins = { plugins: await observabilityPlugins() };
await import('./ours.js');
