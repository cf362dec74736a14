import { headers, type Msg, type Subscription as NatsSub } from 'nats';
import { BusError } from '../errors.js';
import { assertPublishSubject, compilePattern } from '../subject.js';
import type { BusData, RequestHandler, Service } from '../types.js';
import { decodeData, ERROR_HEADER, encodeData } from './codec.js';
import type { NatsContext } from './context.js';
import { toBusError } from './errors.js';
import { Requests } from './requests.js';

const KIND = 'Bus-Kind';
/** Services of one subject on several nodes share requests (one answers each). */
const QUEUE = 'bus';

/**
 * JSON travels without headers (no header means JSON): encoding and parsing a header block costs
 * more than the JSON of a routed call itself. Only raw bytes are marked.
 */
function kindHeaders(kind: 'j' | 'b') {
  if (kind === 'j') return undefined;
  const h = headers();
  h.set(KIND, kind);
  return h;
}

export async function request(
  ctx: NatsContext,
  requests: Requests,
  subject: string,
  data: BusData,
  timeoutMs: number,
): Promise<BusData> {
  assertPublishSubject(subject);
  const { payload, kind } = encodeData(data);
  let reply: Msg;
  try {
    reply = await requests.send(
      `${ctx.names.rpcRoot}.${subject}`,
      subject,
      payload,
      kindHeaders(kind),
      timeoutMs,
    );
  } catch (err) {
    if (err instanceof BusError) throw err;
    ctx.counters.errors++;
    throw toBusError('request', err);
  }
  return Requests.data(reply, subject, reply.headers?.get(KIND)) as BusData;
}

export class NatsService implements Service {
  private readonly sub: NatsSub;
  private stopped = false;
  readonly ready: Promise<void>;

  constructor(
    private readonly ctx: NatsContext,
    readonly subject: string,
    handler: RequestHandler,
    private readonly onEnd: (s: NatsService) => void,
  ) {
    compilePattern(subject);
    const strip = ctx.names.rpcRoot.length + 1;
    this.sub = ctx.nc.subscribe(`${ctx.names.rpcRoot}.${subject}`, {
      queue: QUEUE,
      callback: (err, msg) => {
        if (err) return;
        void answer(ctx, msg, strip, handler);
      },
    });
    this.ready = ctx.nc.flush();
  }

  get closed(): boolean {
    return this.stopped;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.sub.unsubscribe();
    this.onEnd(this);
    // Once the server has the unsubscription, requests from any node no longer reach this service.
    await this.ctx.nc.flush().catch(() => undefined);
  }
}

async function answer(ctx: NatsContext, msg: Msg, strip: number, handler: RequestHandler): Promise<void> {
  // A plain publish (no reply subject) still runs the handler; there is nobody to answer.
  const reply = msg.reply ?? '';
  try {
    const result = await handler(decodeData(msg.data, msg.headers?.get(KIND)), msg.subject.slice(strip));
    const { payload, kind } = encodeData(result);
    if (reply) ctx.outbox.publish(reply, payload, undefined, kindHeaders(kind));
  } catch (err) {
    if (!reply) return;
    const e = err instanceof Error ? err : new Error(String(err));
    const code = (e as { code?: unknown }).code;
    const h = headers();
    h.set(
      ERROR_HEADER,
      JSON.stringify({ name: e.name, code: typeof code === 'string' ? code : undefined, message: e.message }),
    );
    ctx.outbox.publish(reply, new Uint8Array(0), undefined, h);
  }
}
