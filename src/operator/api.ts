import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PluginContext } from '../hooks/types.js';
import { maySend } from '../protocol/actions.js';
import { RpcError } from '../protocol/errors.js';
import { validatePayload } from '../protocol/validation.js';
import { isOcppVersion } from '../protocol/versions.js';
import { commandsFor } from './commands.js';
import { diagrams } from './diagrams.js';
import { BodyError, readJson, sameOrigin, sendJson } from './http.js';
import type { OperatorHub } from './hub.js';
import type { ResolvedOperatorOptions } from './options.js';
import { statusView } from './rows.js';
import type { CallOutcome, StationDetail } from './wire.js';

type Route = (req: IncomingMessage, res: ServerResponse, station: string | undefined) => Promise<void> | void;

/** The page's JSON API, under `<path>/api/`. Every route here is behind the auth check. */
export class OperatorApi {
  constructor(
    private readonly ctx: () => PluginContext,
    private readonly hub: () => OperatorHub,
    private readonly o: ResolvedOperatorOptions,
  ) {}

  /** `rest`: the part after `/api/`. */
  route(method: string, rest: string): Route | undefined {
    if (method === 'GET' && rest === 'stations') return (_q, res) => sendJson(res, 200, this.list());
    if (method === 'GET' && rest === 'stream') return (_q, res) => void this.hub().open(res);
    if (method === 'GET' && rest === 'diagrams') return (_q, res) => this.diagrams(res);
    if (method === 'GET' && rest === 'fleet')
      return (_q, res) => sendJson(res, 200, this.hub().fleet.event(true));
    if (method === 'POST' && rest === 'select') return (q, res) => this.select(q, res);
    const m = /^stations\/([^/]+)(?:\/(call|close|inspect))?$/.exec(rest);
    if (!m) return undefined;
    let identity: string;
    try {
      identity = decodeURIComponent(m[1]!);
    } catch {
      return undefined;
    }
    const what = m[2];
    if (method === 'GET' && what === undefined) return (_q, res) => this.detail(res, identity);
    if (method !== 'POST') return undefined;
    if (what === 'call') return (q, res) => this.call(q, res, identity);
    if (what === 'close') return (q, res) => this.close(q, res, identity);
    if (what === 'inspect') return (q, res) => this.inspect(q, res, identity);
    return undefined;
  }

  private list() {
    return { rows: this.hub().rows(), at: Date.now() };
  }

  private async diagrams(res: ServerResponse): Promise<void> {
    sendJson(res, 200, { diagrams: await diagrams() });
  }

  private detail(res: ServerResponse, identity: string): void {
    const s = this.ctx().csms.stationStatus(identity);
    if (!s) {
      sendJson(res, 404, { error: `no station ${identity}` });
      return;
    }
    const inspector = this.o.inspector;
    const detail: StationDetail = {
      status: statusView(s),
      commands: commandsFor(s.protocol),
      inspector: inspector !== undefined,
      inspected: inspector?.selected.has(identity) ?? false,
    };
    sendJson(res, 200, detail);
  }

  private async select(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await this.body(req, res);
    if (!body) return;
    const { stream, station } = body;
    if (
      typeof stream !== 'string' ||
      (station !== null && station !== undefined && typeof station !== 'string')
    )
      return sendJson(res, 400, { error: 'expected { stream, station }' });
    const ok = this.hub().select(stream, station ?? undefined);
    sendJson(res, ok ? 200 : 404, ok ? { ok } : { error: 'no such stream' });
  }

  private async call(req: IncomingMessage, res: ServerResponse, identity: string): Promise<void> {
    const body = await this.body(req, res);
    if (!body) return;
    const { action, payload } = body;
    if (
      typeof action !== 'string' ||
      payload === null ||
      typeof payload !== 'object' ||
      Array.isArray(payload)
    )
      return sendJson(res, 400, { error: 'expected { action, payload }' });
    const csms = this.ctx().csms;
    const s = csms.stationStatus(identity);
    if (!s) return sendJson(res, 404, { error: `no station ${identity}` });
    if (!isOcppVersion(s.protocol) || !maySend(s.protocol, 'csms', action))
      return sendJson(res, 400, { error: `${action} is no ${s.protocol} call from the CSMS` });
    // Checked here too, so a form mistake is said as such and never reaches the station.
    const invalid = validatePayload(s.protocol, action, 'request', payload as Record<string, unknown>);
    if (invalid) return sendJson(res, 400, { error: invalid.message });
    const started = performance.now();
    let outcome: CallOutcome;
    try {
      const response = await csms.call(identity, action, payload as Record<string, unknown>);
      outcome = {
        ok: true,
        response: this.ctx().redact(response),
        ms: Math.round(performance.now() - started),
      };
    } catch (error) {
      outcome = { ok: false, error: describe(error, s.protocol) };
    }
    sendJson(res, 200, outcome);
  }

  private async close(req: IncomingMessage, res: ServerResponse, identity: string): Promise<void> {
    const body = await this.body(req, res);
    if (!body) return;
    const closed = await this.ctx().csms.close(identity, 1000, 'Closed by the operator');
    sendJson(res, 200, { closed });
  }

  private async inspect(req: IncomingMessage, res: ServerResponse, identity: string): Promise<void> {
    const body = await this.body(req, res);
    if (!body) return;
    const inspector = this.o.inspector;
    if (!inspector)
      return sendJson(res, 409, { error: 'no inspector: start with --inspect or pass inspectorPlugin' });
    if (body.on === false) inspector.deselect(identity);
    else if (!inspector.select(identity)) return sendJson(res, 404, { error: `no station ${identity}` });
    sendJson(res, 200, { inspected: inspector.selected.has(identity) });
  }

  /** The JSON body of a request that changes something; undefined when refused (answered here). */
  private async body(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<Record<string, unknown> | undefined> {
    if (!sameOrigin(req)) {
      sendJson(res, 403, { error: 'cross-origin request refused' });
      req.resume();
      return undefined;
    }
    try {
      return await readJson(req);
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      sendJson(res, error.status, { error: error.message });
      return undefined;
    }
  }
}

function describe(error: unknown, protocol: string): Extract<CallOutcome, { ok: false }>['error'] {
  if (error instanceof RpcError)
    return {
      name: error.name,
      code: error.wireCode ?? (isOcppVersion(protocol) ? error.codeFor(protocol) : error.kind),
      message: error.description || error.message,
    };
  if (error instanceof Error) return { name: error.name, code: null, message: error.message };
  return { name: 'Error', code: null, message: String(error) };
}
