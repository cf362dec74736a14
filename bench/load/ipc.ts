/**
 * Request/reply over a forked child's IPC channel, both sides, and the `/proc` readings the driver
 * takes of a server process from outside (CPU time, RSS).
 */

import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export type Message = { readonly [key: string]: unknown };
interface Envelope {
  readonly id: number;
  readonly cmd?: string;
  readonly ok?: boolean;
  readonly error?: string;
  readonly body?: Message;
}

/** Child side: answer the parent's commands; exit when the parent goes away. */
export function serve(handlers: Record<string, (msg: Message) => Promise<Message> | Message>): void {
  process.on('message', (raw: Envelope) => {
    const handler = raw.cmd ? handlers[raw.cmd] : undefined;
    const reply = (e: Omit<Envelope, 'id'>) => process.send?.({ id: raw.id, ...e });
    if (!handler) return reply({ ok: false, error: `unknown command ${raw.cmd}` });
    Promise.resolve()
      .then(() => handler(raw.body ?? {}))
      .then(
        (body) => reply({ ok: true, body }),
        (err: unknown) => reply({ ok: false, error: String((err as Error)?.stack ?? err) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
}

/** Child side: tell the parent we are up (the first message, id 0). */
export function announce(body: Message): void {
  process.send?.({ id: 0, ok: true, body });
}

/** Parent side: one forked child answering commands. */
export class Child {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  private readonly ready: Promise<Message>;
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
    readyTimeoutMs = 60_000,
  ) {
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name}: not ready in ${readyTimeoutMs} ms`)),
        readyTimeoutMs,
      );
      this.waiting.set(0, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject,
      });
    });
    proc.on('message', (e: Envelope) => {
      const w = this.waiting.get(e.id);
      if (!w) return;
      this.waiting.delete(e.id);
      if (e.ok) w.resolve(e.body ?? {});
      else w.reject(new Error(`${name}: ${e.error}`));
    });
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code) => {
        for (const w of this.waiting.values()) w.reject(new Error(`${name} exited (${code})`));
        this.waiting.clear();
        resolve(code);
      }),
    );
  }

  static fork(name: string, module: string, args: string[], execArgv: string[]): Child {
    const proc = fork(module, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Child(name, proc);
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  whenReady(): Promise<Message> {
    return this.ready;
  }

  request<T extends Message = Message>(cmd: string, body: Message = {}, timeoutMs = 120_000): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.name}: ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.proc.send({ id, cmd, body });
    });
  }

  /** Disconnect, then SIGKILL if the child has not exited within `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    if (this.proc.connected) this.proc.disconnect();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

function statCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
}

/**
 * CPU time of a process in ms, all its threads (JS, GC, libuv pool): the sum of the threads'
 * nanosecond run times in /proc/<pid>/task/<tid>/schedstat; utime+stime from /proc/<pid>/stat
 * (clock ticks, 10 ms) where schedstat is missing.
 */
export function cpuMs(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread exited between the listing and the read
      }
    }
    if (ns > 0) return ns / 1e6;
  } catch {
    // no schedstat on this kernel
  }
  return statCpuMs(pid);
}

/** Resident set size of a process in bytes, from /proc/<pid>/status. */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/**
 * Pin a process, all its threads, to `cpus` (a taskset list such as "1" or "0-2"); false when taskset
 * is missing or refuses. Threads created later inherit the affinity of the thread that creates them.
 */
export function pinToCpus(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
