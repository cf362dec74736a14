/** A real HTTP client of the operator's event stream, for tests: reads (or stops reading) like a browser. */
import { type IncomingMessage, request } from 'node:http';

export interface SseEvent {
  readonly name: string;
  readonly data: Record<string, unknown>;
}

export interface SseClient {
  readonly status: number;
  readonly events: SseEvent[];
  /** The first event named `name` after the `from`-th event seen (default: any). */
  next(name: string, from?: number, timeoutMs?: number): Promise<SseEvent>;
  /** Stop reading: the server's writes back up once the socket buffers are full. */
  pause(): void;
  resume(): void;
  close(): void;
}

export function openStream(base: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/stream`, { headers }, (res: IncomingMessage) => {
      const events: SseEvent[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data) events.push({ name, data: JSON.parse(data) as Record<string, unknown> });
          end = buffer.indexOf('\n\n');
        }
        for (const w of waiters) w();
      });
      res.on('error', () => {});
      resolve({
        status: res.statusCode ?? 0,
        events,
        next(name, from = 0, timeoutMs = 10_000) {
          return new Promise((ok, fail) => {
            const check = () => {
              const e = events.slice(from).find((x) => x.name === name);
              if (!e) return;
              waiters.delete(check);
              clearTimeout(timer);
              ok(e);
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(
                new Error(
                  `no '${name}' event within ${timeoutMs} ms (saw ${events.map((e) => e.name).join(', ')})`,
                ),
              );
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
        pause: () => res.pause(),
        resume: () => res.resume(),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A plain HTTP request; the body as text. */
export async function httpGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const res = await fetch(url, { headers, redirect: 'manual' });
  return { status: res.status, body: await res.text(), headers: Object.fromEntries(res.headers) };
}
