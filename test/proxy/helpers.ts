import type { OcppVersion } from '../../src/protocol/index.js';
import { CsmsAdapter, OCPPProtocolProxy, type TranslationMap } from '../../src/proxy/index.js';
import type { Simulation } from '../../src/sim/index.js';
import type { ISessionStore } from '../../src/translation/index.js';
import { type TestCsms, waitFor } from '../sim/helpers.js';

export interface TestProxy {
  proxy: OCPPProtocolProxy;
  adapter: CsmsAdapter;
  /** Where stations connect. */
  url: string;
  /** Schema failures on the station leg, translation and upstream errors: must stay empty. */
  problems: string[];
  close(): Promise<void>;
}

/** A proxy on 127.0.0.1 (free port) accepting `accept` stations, forwarding to `upstream` in `version`. */
export async function startProxy(
  upstream: string,
  version: OcppVersion,
  accept: OcppVersion,
  preset: TranslationMap,
  sessionStore?: ISessionStore,
  port = 0,
): Promise<TestProxy> {
  const proxy = new OCPPProtocolProxy({
    upstreamEndpoint: upstream,
    upstreamProtocol: version,
    sessionStore,
    upstream: { reconnect: { waitMinimumMs: 50, randomRangeMs: 0, repeatTimes: 2 } },
  });
  proxy.translate(preset);
  const problems: string[] = [];
  proxy.on('translationError', (e, m) => problems.push(`translation ${m.action}: ${e.message}`));
  proxy.on('middlewareError', (e) => problems.push(`middleware: ${e.message}`));
  proxy.on('upstreamError', (e, id) => problems.push(`upstream ${id}: ${e.message}`));
  const adapter = new CsmsAdapter({ port, host: '127.0.0.1', protocols: [accept], jitterRatio: 0 });
  adapter.csms.on('validationFailure', ({ station, direction, error }) =>
    problems.push(`station leg ${station.identity} ${direction}: ${error.message}`),
  );
  await proxy.listenOnAdapter(adapter);
  return {
    proxy,
    adapter,
    url: `ws://127.0.0.1:${adapter.port}`,
    problems,
    close: () => proxy.close(),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: payloads are read field by field in assertions
export type Json = any;

/** The first CALL of `action` from `identity` that `match` accepts, as loosely typed JSON. */
export const seen = (
  t: TestCsms,
  identity: string,
  action: string,
  match: (p: Json) => unknown = () => true,
) => waitFor(t, identity, action, (p) => Boolean(match(p))) as Promise<Json>;

/** Stations first, then the proxy, then the CSMS: nothing reconnects to a part already gone. */
export async function stopEndToEnd(parts: {
  sim?: Simulation | undefined;
  proxy?: TestProxy | undefined;
  csms?: TestCsms | undefined;
}): Promise<void> {
  await parts.sim?.stop();
  await parts.proxy?.close();
  await parts.csms?.close();
}
