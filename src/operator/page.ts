import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OcppPlugin, PluginContext } from '../hooks/types.js';
import { OperatorApi } from './api.js';
import { pageAssets } from './assets.js';
import { authorise } from './auth.js';
import { sendJson } from './http.js';
import { OperatorHub, type OperatorStats } from './hub.js';
import { type OperatorPageOptions, resolveOperatorOptions } from './options.js';

export interface OperatorPagePlugin extends OcppPlugin {
  /** Where the page is served (`/ops`). */
  readonly path: string;
  /**
   * Serve a request on a server of your own (`csms.attach(server)`): true when it was the page's (under
   * `path`) and is answered. `listen()` servers call it through `onHttpRequest`.
   */
  handler(req: IncomingMessage, res: ServerResponse): boolean;
  /** Browsers connected, updates dropped for slow ones and resyncs sent. */
  stats(): OperatorStats;
}

/**
 * The operator's page: the stations list, a station's statecharts, message log, counters and commands,
 * and the fleet, served on the CSMS's own HTTP server under `path`. Closed unless configured: a token
 * or Basic credentials are required, and only this machine is served unless `allowRemote`.
 */
export function operatorPage(options: OperatorPageOptions): OperatorPagePlugin {
  const o = resolveOperatorOptions(options);
  let ctx: PluginContext | undefined;
  let hub: OperatorHub | undefined;
  const api = new OperatorApi(
    () => ctx!,
    () => hub!,
    o,
  );
  // With a token the page shell is public (it holds no data and asks for the token); with Basic only,
  // the shell is behind it too, so the browser asks for the credentials and sends them from then on.
  const shellIsPublic = o.token !== undefined;

  const refuse = (res: ServerResponse, status: number, headers: Record<string, string>) => {
    res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: status === 401 ? 'unauthorised' : 'forbidden' }));
  };

  const handler = (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '/';
    const pathname = url.split('?')[0]!;
    if (pathname !== o.path && !pathname.startsWith(`${o.path}/`)) return false;
    const rest = pathname.slice(o.path.length + 1);
    const isApi = rest.startsWith('api/');
    const verdict = authorise(req, o);
    if (verdict !== 'ok' && (isApi || !shellIsPublic || verdict.status === 403)) {
      refuse(res, verdict.status, verdict.headers);
      req.resume();
      return true;
    }
    if (!ctx || !hub) {
      sendJson(res, 503, { error: 'the CSMS is not started' });
      return true;
    }
    if (isApi) {
      const route = api.route(req.method ?? 'GET', rest.slice(4));
      if (!route) {
        sendJson(res, 404, { error: 'no such route' });
        req.resume();
        return true;
      }
      Promise.resolve()
        .then(() => route(req, res, undefined))
        .catch((error: unknown) => {
          ctx?.reportError(error, 'onHttpRequest');
          if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
          else res.end();
        });
      return true;
    }
    serveAsset(req, res, pathname === o.path ? undefined : rest || 'index.html');
    return true;
  };

  const serveAsset = (req: IncomingMessage, res: ServerResponse, file: string | undefined) => {
    if (file === undefined) {
      // Relative asset URLs need the trailing slash.
      res.writeHead(302, { Location: `${o.path}/` }).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'method not allowed' });
      return;
    }
    pageAssets().then(
      (assets) => {
        const a = assets.get(file);
        if (!a) return sendJson(res, 404, { error: 'not found' });
        res.writeHead(200, {
          'Content-Type': a.type,
          'Content-Length': a.body.length,
          'Cache-Control': 'no-cache',
          'X-Content-Type-Options': 'nosniff',
          'Content-Security-Policy':
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
          'Referrer-Policy': 'no-referrer',
        });
        res.end(req.method === 'HEAD' ? undefined : a.body);
      },
      (error: unknown) => {
        ctx?.reportError(error, 'onHttpRequest');
        sendJson(res, 500, { error: 'the page is not built (npm run build)' });
      },
    );
  };

  return {
    name: 'operator-page',
    level: 1,
    path: o.path,
    handler,
    stats: () => hub?.stats() ?? { browsers: 0, dropped: 0, resyncs: 0, listening: false },
    setup(c) {
      ctx = c;
      hub = new OperatorHub(c, o);
      return () => {
        hub?.close();
        hub = undefined;
      };
    },
    onClosing() {
      // Browsers' streams would keep the HTTP server from closing.
      hub?.close();
    },
    onHttpRequest: handler,
  };
}
