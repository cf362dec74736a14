/**
 * A load-generating process: holds a slice of the raw WebSocket stations and drives them on the
 * driver's commands (connect, run calls at max rate or at a fixed rate, close). Kept light: frames
 * are pre-encoded, answers are recognised by prefix, no deflate. Every loop is bounded in count and
 * time; only the URL the driver gives (127.0.0.1) is dialled.
 */

import WebSocket from 'ws';
import { type BenchVersion, type CallTemplate, FANOUT, FRAMES } from './frames.js';
import { announce, type Message, serve } from './ipc.js';

interface Station {
  readonly ws: WebSocket;
  readonly tag: string;
  readonly version: BenchVersion;
  seq: number;
  pos: number;
  /** `[3,"<id>",` of the call in flight; '' when idle. */
  expect: string;
  pendingId: string;
  sentAt: number;
  closing: boolean;
  closed: boolean;
  onResult: ((ok: boolean, text: string, latencyMs: number) => void) | undefined;
}

const MAX_SAMPLES = 1_000_000;
const groups = new Map<string, Station[]>();
let errors = new Map<string, number>();
let serverCalls = 0;

function error(kind: string): void {
  errors.set(kind, (errors.get(kind) ?? 0) + 1);
}

function takeErrors(): Record<string, number> {
  const out = Object.fromEntries(errors);
  errors = new Map();
  return out;
}

function sendCall(st: Station, t: CallTemplate): void {
  const id = `${st.tag}${(st.seq++).toString(36)}`;
  st.pendingId = id;
  st.expect = `[3,"${id}",`;
  st.sentAt = performance.now();
  st.ws.send(`[2,"${id}"${t.tail}`);
}

function settle(st: Station, ok: boolean, text: string): void {
  const latency = performance.now() - st.sentAt;
  st.expect = '';
  st.pendingId = '';
  st.onResult?.(ok, text, latency);
}

function onMessage(st: Station, text: string): void {
  if (st.expect !== '' && text.startsWith(st.expect)) {
    settle(st, true, text);
    return;
  }
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    error('unparsable-frame');
    return;
  }
  if (!Array.isArray(frame)) {
    error('unexpected-frame');
    return;
  }
  const [type, id] = frame as [number, string];
  if (type === 2) {
    serverCalls++;
    if (frame[2] !== FANOUT.action) error(`unexpected-server-call:${frame[2]}`);
    st.ws.send(JSON.stringify([3, id, FANOUT.answer]));
  } else if (id !== st.pendingId || st.pendingId === '') {
    error(`unexpected-frame:${type}`);
  } else if (type === 3) {
    settle(st, true, text);
  } else {
    error(type === 4 ? `callerror:${frame[2]}:${String(frame[3]).slice(0, 80)}` : `unexpected-frame:${type}`);
    settle(st, false, text);
  }
}

function nextMix(st: Station): CallTemplate {
  const mix = FRAMES[st.version].mix;
  const t = mix[st.pos % mix.length]!;
  st.pos++;
  return t;
}

/** Open, Boot (must be Accepted), Status; `done(station | undefined)` once, whatever happens. */
function connectOne(
  url: string,
  version: BenchVersion,
  identity: string,
  index: number,
  done: (st: Station | undefined) => void,
): void {
  const ws = new WebSocket(`${url}/${identity}`, [version], {
    perMessageDeflate: false,
    handshakeTimeout: 30_000,
    skipUTF8Validation: true,
    // An all-zero mask is a valid mask (RFC 6455 §5.3) and makes masking a plain copy.
    generateMask: () => {},
  });
  const st: Station = {
    ws,
    tag: `${index.toString(36)}-`,
    version,
    seq: 0,
    pos: index,
    expect: '',
    pendingId: '',
    sentAt: 0,
    closing: false,
    closed: false,
    onResult: undefined,
  };
  let finished = false;
  const finish = (ok: boolean) => {
    if (finished) return;
    finished = true;
    done(ok ? st : undefined);
  };
  const frames = FRAMES[version];
  ws.on('open', () => {
    if (ws.protocol !== version) {
      error(`subprotocol:${ws.protocol || 'none'}`);
      st.closing = true;
      ws.terminate();
      return finish(false);
    }
    st.onResult = (ok, text) => {
      if (!ok) return finish(false);
      if (!/"status"\s*:\s*"Accepted"/.test(text)) {
        error('boot-not-accepted');
        return finish(false);
      }
      st.onResult = (ok2) => finish(ok2);
      sendCall(st, frames.status);
    };
    sendCall(st, frames.boot);
  });
  ws.on('message', (data: Buffer) => onMessage(st, data.toString()));
  ws.on('error', (e: Error & { code?: string }) => error(`socket:${e.code ?? e.message.slice(0, 60)}`));
  ws.on('close', (code: number) => {
    st.closed = true;
    if (!st.closing) error(`closed-by-server:${code}`);
    if (st.expect !== '') settle(st, false, '');
    finish(false);
  });
}

async function connect(m: Message): Promise<Message> {
  const { url, version, prefix, from, count, concurrency, group, timeoutMs } = m as {
    url: string;
    version: BenchVersion;
    prefix: string;
    from: number;
    count: number;
    concurrency: number;
    group: string;
    timeoutMs: number;
  };
  const list = groups.get(group) ?? [];
  groups.set(group, list);
  const start = performance.now();
  let next = from;
  let inflight = 0;
  let settled = 0;
  await new Promise<void>((resolve) => {
    const deadline = setTimeout(() => {
      error(`connect-timeout:${count - settled}`);
      resolve();
    }, timeoutMs);
    const pump = () => {
      while (inflight < concurrency && next < from + count) {
        inflight++;
        const i = next++;
        connectOne(url, version, `${prefix}${String(i).padStart(5, '0')}`, i, (st) => {
          inflight--;
          settled++;
          if (st) list.push(st);
          if (settled === count) {
            clearTimeout(deadline);
            resolve();
          } else pump();
        });
      }
    };
    pump();
  });
  return { connected: list.length, ms: performance.now() - start, errors: takeErrors() };
}

interface RunResult {
  sent: number;
  completed: number;
  latencies: number[];
  backlog: number;
  /** This worker's own CPU time (ms) during the measured window. */
  windowCpuMs: number;
}

/**
 * Drive `stations` from perf time `t0`: results landing in [t0+warm, t0+warm+dur) are counted.
 * 'max': each station sends its next call the moment the previous one is answered (one outstanding
 * per station). 'rate': `rate` calls/s spread over idle stations, round-robin.
 */
function run(
  stations: Station[],
  mode: 'max' | 'rate',
  t0: number,
  warmMs: number,
  durMs: number,
  rate: number,
  drainMs: number,
): Promise<RunResult> {
  const winStart = t0 + warmMs;
  const winEnd = winStart + durMs;
  const r: RunResult = { sent: 0, completed: 0, latencies: [], backlog: 0, windowCpuMs: 0 };
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  const endMark = () => {
    if (!cpuAtStart || r.windowCpuMs > 0) return;
    const d = process.cpuUsage(cpuAtStart);
    r.windowCpuMs = (d.user + d.system) / 1000;
  };
  const marks = [
    setTimeout(() => {
      cpuAtStart = process.cpuUsage();
    }, winStart - performance.now()),
    setTimeout(endMark, winEnd - performance.now()),
  ];
  let inflight = 0;
  return new Promise((resolve) => {
    let resolved = false;
    let ticker: NodeJS.Timeout | undefined;
    const finish = () => {
      if (resolved) return;
      resolved = true;
      clearTimeout(ticker);
      clearTimeout(deadline);
      for (const t of marks) clearTimeout(t);
      endMark();
      for (const st of stations) st.onResult = undefined;
      resolve(r);
    };
    const deadline = setTimeout(
      () => {
        if (inflight > 0) error(`no-answer-by-phase-end:${inflight}`);
        finish();
      },
      winEnd + drainMs - performance.now(),
    );
    const send = (st: Station) => {
      inflight++;
      r.sent++;
      sendCall(st, nextMix(st));
    };
    const onResult = (st: Station) => (ok: boolean, _text: string, latency: number) => {
      inflight--;
      const now = performance.now();
      if (ok && now >= winStart && now < winEnd) {
        r.completed++;
        if (r.latencies.length < MAX_SAMPLES) r.latencies.push(Math.round(latency * 1000) / 1000);
      }
      if (mode === 'max' && now < winEnd && !st.closed) send(st);
      else if (inflight === 0 && now >= winEnd) finish();
    };
    for (const st of stations) st.onResult = onResult(st);
    let cursor = 0;
    const tick = () => {
      const now = performance.now();
      if (now >= winEnd) {
        if (inflight === 0) finish();
        return;
      }
      const due = Math.floor(((now - t0) * rate) / 1000) - r.sent - r.backlog;
      for (let k = 0; k < due; k++) {
        let probes = 0;
        while (probes < stations.length && (stations[cursor]!.expect !== '' || stations[cursor]!.closed)) {
          cursor = (cursor + 1) % stations.length;
          probes++;
        }
        if (probes === stations.length) {
          r.backlog += due - k;
          break;
        }
        send(stations[cursor]!);
        cursor = (cursor + 1) % stations.length;
      }
      ticker = setTimeout(tick, 1);
    };
    const begin = () => {
      if (mode === 'max') for (const st of stations) if (!st.closed) send(st);
      if (mode === 'rate') tick();
      else
        ticker = setTimeout(function check() {
          if (performance.now() >= winEnd && inflight === 0) finish();
          else ticker = setTimeout(check, 50);
        }, 50);
    };
    setTimeout(begin, Math.max(0, t0 - performance.now()));
  });
}

async function runCmd(m: Message): Promise<Message> {
  const { group, count, mode, startAt, warmMs, durMs, rate, drainMs } = m as {
    group: string;
    count: number;
    mode: 'max' | 'rate';
    startAt: number;
    warmMs: number;
    durMs: number;
    rate: number;
    drainMs: number;
  };
  const stations = (groups.get(group) ?? []).slice(0, count);
  const t0 = performance.now() + (startAt - Date.now());
  const r = await run(stations, mode, t0, warmMs, durMs, rate, drainMs);
  return { ...r, stations: stations.length, errors: takeErrors() };
}

async function close(m: Message): Promise<Message> {
  const names = m.group ? [String(m.group)] : [...groups.keys()];
  const all = names.flatMap((g) => groups.get(g) ?? []);
  for (const g of names) groups.delete(g);
  await new Promise<void>((resolve) => {
    let open = 0;
    const timer = setTimeout(() => {
      for (const st of all) if (!st.closed) st.ws.terminate();
      resolve();
    }, 10_000);
    const closed = () => {
      if (--open === 0) {
        clearTimeout(timer);
        resolve();
      }
    };
    for (const st of all) {
      st.closing = true;
      if (st.closed) continue;
      open++;
      st.ws.once('close', closed);
      st.ws.close(1000);
    }
    if (open === 0) {
      clearTimeout(timer);
      resolve();
    }
  });
  return { closed: all.length, errors: takeErrors() };
}

serve({
  connect,
  run: runCmd,
  close,
  stats: () => {
    const calls = serverCalls;
    serverCalls = 0;
    return { serverCalls: calls, errors: takeErrors() };
  },
});
announce({ pid: process.pid });
