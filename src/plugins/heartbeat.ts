import type { OcppPlugin } from '../hooks/types.js';

/**
 * Answers Heartbeat with `{ currentTime }` (same shape in 1.6, 2.0.1 and 2.1), only for stations whose
 * application has no Heartbeat handler: the application's own handler always wins.
 */
export function heartbeatPlugin(): OcppPlugin {
  return {
    name: 'heartbeat',
    level: 1,
    setup(ctx) {
      ctx.fallback('Heartbeat', () => ({ currentTime: new Date().toISOString() }));
    },
  };
}
