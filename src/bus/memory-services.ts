import { BusRemoteError, NoRespondersError, RequestTimeoutError } from './errors.js';
import { assertPublishSubject, type CompiledPattern, compilePattern } from './subject.js';
import type { BusData, RequestHandler, Service } from './types.js';

const READY: Promise<void> = Promise.resolve();

interface Entry {
  readonly compiled: CompiledPattern;
  readonly handler: RequestHandler;
}

/** Request/reply inside one process, with the NATS bus's errors: no responders, timeout, remote error. */
export class MemoryServices {
  private readonly entries = new Set<Entry>();
  /** Rotates among services of one subject, as a NATS queue group spreads requests. */
  private turn = 0;

  serve(subject: string, handler: RequestHandler, onEnd: () => void): Service {
    const entry: Entry = { compiled: compilePattern(subject), handler };
    this.entries.add(entry);
    let stopped = false;
    const entries = this.entries;
    return {
      subject,
      ready: READY,
      get closed() {
        return stopped;
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        entries.delete(entry);
        onEnd();
      },
    };
  }

  async request(subject: string, data: BusData, timeoutMs: number): Promise<BusData> {
    assertPublishSubject(subject);
    const matching = [...this.entries].filter((e) => e.compiled.matches(subject));
    const entry = matching[this.turn++ % Math.max(1, matching.length)];
    if (!entry) throw new NoRespondersError(subject);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RequestTimeoutError(subject, timeoutMs)), timeoutMs);
    });
    const run = (async () => {
      try {
        return await entry.handler(data, subject);
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        const code = (e as { code?: unknown }).code;
        throw new BusRemoteError(subject, e.name, typeof code === 'string' ? code : undefined, e.message);
      }
    })();
    try {
      return await Promise.race([run, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
