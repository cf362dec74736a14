import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface NodeEvent {
  readonly event: string;
  readonly identity?: string;
  readonly [field: string]: unknown;
}

export interface RemoteError {
  readonly name: string;
  readonly code?: string;
  readonly kind?: string;
  readonly message: string;
}

/** A CSMS node in a process of its own (test/cluster/node-process.ts), driven over stdin/stdout. */
export class NodeProcess {
  readonly events: NodeEvent[] = [];
  private readonly pending = new Map<number, (line: { result?: unknown; error?: RemoteError }) => void>();
  private readonly watchers = new Set<() => void>();
  private nextId = 1;
  port = 0;
  readonly exited: Promise<number | null>;

  private constructor(
    readonly nodeId: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
    createInterface({ input: child.stdout! }).on('line', (text) => {
      let line: { id?: number; event?: string; result?: unknown; error?: RemoteError };
      try {
        line = JSON.parse(text);
      } catch {
        return;
      }
      if (line.id !== undefined) {
        this.pending.get(line.id)?.(line);
        this.pending.delete(line.id);
      } else if (line.event) {
        this.events.push(line as NodeEvent);
        for (const w of [...this.watchers]) w();
      }
    });
  }

  /** `script`: the node program, relative to the repository (bench/cluster/node.ts for the benchmark). */
  static async start(
    natsUrl: string,
    nodeId: string,
    script = 'test/cluster/node-process.ts',
  ): Promise<NodeProcess> {
    // CLUSTER_NODE_ARGS: extra node flags for the node processes (e.g. `--cpu-prof` to profile one).
    const extra = process.env.CLUSTER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(process.execPath, [...extra, '--import', 'tsx', script, natsUrl, nodeId], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const node = new NodeProcess(nodeId, child);
    const ready = await node.waitFor((e) => e.event === 'ready', 20_000);
    node.port = ready.port as number;
    return node;
  }

  /** Resolves with the op's result; rejects with the node's error as data (`RemoteError`). */
  request<T = unknown>(op: string, args: object = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise((res, rej) => {
      this.pending.set(id, (line) => (line.error ? rej(line.error) : res(line.result as T)));
      this.child.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  /** The first event (already seen or to come) that matches. */
  waitFor(match: (e: NodeEvent) => boolean, timeoutMs = 10_000): Promise<NodeEvent> {
    return new Promise((res, rej) => {
      const check = () => {
        const found = this.events.find(match);
        if (!found) return;
        this.watchers.delete(check);
        clearTimeout(timer);
        res(found);
      };
      const timer = setTimeout(() => {
        this.watchers.delete(check);
        rej(new Error(`${this.nodeId}: no matching event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.watchers.add(check);
      check();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  url(identity: string): string {
    return `ws://127.0.0.1:${this.port}/${identity}`;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await Promise.race([this.request('close'), this.exited]).catch(() => undefined);
    this.child.kill('SIGTERM');
    await this.exited;
  }
}

type Frame = [number, string, ...unknown[]];

/** A 1.6 station on a raw socket: exactly the frames the test sends, and what it received. */
export class RawStation {
  readonly received: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters = new Set<() => void>();
  /** How CALLs from the CSMS are answered; undefined: not at all. */
  answer: ((action: string, payload: unknown) => object | undefined) | undefined = () => ({
    status: 'Accepted',
  });

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((r) =>
      ws.once('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.received.push(frame);
      if (frame[0] === 2) {
        const reply = this.answer?.(frame[2] as string, frame[3]);
        if (reply) ws.send(JSON.stringify([3, frame[1], reply]));
      }
      for (const w of [...this.waiters]) w();
    });
  }

  static connect(url: string): Promise<RawStation> {
    const ws = new WebSocket(url, ['ocpp1.6']);
    return new Promise((res, rej) => {
      ws.once('open', () => res(new RawStation(ws)));
      ws.once('error', rej);
    });
  }

  /** Sends a CALL and resolves with the frame that answers it. */
  async call(
    action: string,
    payload: object,
    messageId = `m${Math.random().toString(36).slice(2)}`,
  ): Promise<Frame> {
    this.ws.send(JSON.stringify([2, messageId, action, payload]));
    return this.waitFor((f) => (f[0] === 3 || f[0] === 4) && f[1] === messageId);
  }

  boot(): Promise<Frame> {
    return this.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  }

  waitFor(match: (f: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    return new Promise((res, rej) => {
      const check = () => {
        const found = this.received.find(match);
        if (!found) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        res(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        rej(new Error(`station: no matching frame within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.ws.terminate();
  }
}
