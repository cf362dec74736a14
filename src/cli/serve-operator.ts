import { randomBytes } from 'node:crypto';
import type { OcppPlugin } from '../hooks/types.js';
import { inspectorPlugin } from '../plugins/inspector.js';
import type { MetricsPlugin } from '../plugins/metrics.js';
import { UsageError } from './args.js';

export interface OperatorFlags {
  /** The page's bearer token; a random one (printed in the banner) when undefined. */
  opsToken?: string;
  /** No operator page at all. */
  noOps?: boolean;
  /** Serve the page to other machines too (it is loopback-only otherwise). */
  opsRemote?: boolean;
  /** Start Stately's inspector bridge on this port; stations selected on the page stream to it. */
  inspectPort?: number;
}

export interface ServeOperator {
  readonly plugins: OcppPlugin[];
  /** Lines for the start banner. */
  banner(baseUrl: string): string[];
  stop(): void;
}

/**
 * The operator page of `serve` (on unless --no-ops), and with --inspect the Stately inspector: its
 * bridge server (from @statelyai/inspect, loaded only then) and the inspector plugin the page drives.
 */
export async function serveOperator(flags: OperatorFlags, metrics: MetricsPlugin): Promise<ServeOperator> {
  if (flags.noOps) return { plugins: [], banner: () => [], stop: () => {} };
  const token = flags.opsToken ?? randomBytes(18).toString('base64url');
  let inspector: ReturnType<typeof inspectorPlugin> | undefined;
  let stopBridge = () => {};
  if (flags.inspectPort !== undefined) {
    const port = flags.inspectPort;
    const [client, server] = await Promise.all([
      import('@statelyai/inspect'),
      import('@statelyai/inspect/server'),
    ]).catch(() => {
      throw new UsageError('--inspect needs @statelyai/inspect: npm install @statelyai/inspect', 'serve');
    });
    const bridge = server.createInspectorServer({ port, autoOpen: false });
    const stately = client.createWebSocketInspector({ url: `ws://localhost:${port}` });
    inspector = inspectorPlugin({ inspect: stately.inspect });
    stopBridge = () => {
      stately.stop();
      bridge.stop();
    };
  }
  // Loaded when serving only: `help`, `simulate` and `proxy` start without the page's modules.
  const { operatorPage } = await import('../operator/page.js');
  const page = operatorPage({
    token,
    metrics,
    allowRemote: flags.opsRemote ?? false,
    ...(inspector && { inspector }),
  });
  return {
    plugins: inspector ? [page, inspector] : [page],
    banner: (baseUrl) => [
      `  operator page: ${baseUrl}${page.path}/#token=${token}` +
        (flags.opsRemote ? '' : ' (this machine only)'),
      ...(flags.inspectPort !== undefined
        ? [
            `  Stately inspector: http://localhost:${flags.inspectPort} (pick stations with "Inspect in Stately" on the operator page)`,
          ]
        : []),
    ],
    stop: stopBridge,
  };
}
