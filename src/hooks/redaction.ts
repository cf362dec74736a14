import type { OcppPlugin } from './types.js';

type Redactor = (value: unknown) => unknown;

/**
 * The registered redactors, applied to what leaves the runtime: events (plugins, listeners, sinks),
 * payload log lines. Handlers are never given redacted payloads by this path.
 */
export class Redaction {
  private redactors: Redactor[] = [];

  get active(): boolean {
    return this.redactors.length > 0;
  }

  set(plugins: readonly OcppPlugin[]): void {
    this.redactors = plugins.map((p) => (v: unknown) => p.redact!(v));
  }

  value<T>(value: T): T {
    let out: unknown = value;
    for (const r of this.redactors) out = r(out);
    return out as T;
  }

  /** Frame text (a log line, a bad frame's raw text): redacted as JSON; text that is no JSON is withheld. */
  text(raw: string): string {
    if (!this.active) return raw;
    try {
      return JSON.stringify(this.value(JSON.parse(raw)));
    } catch {
      return `[withheld: ${raw.length} characters that are no JSON]`;
    }
  }

  /** The fields of an event that carry what a station sent or was sent. */
  event<E>(name: string, e: E): E {
    const ev = e as Record<string, unknown>;
    switch (name) {
      case 'message':
      case 'validationFailure':
      case 'unknownResponse':
      case 'callResultError':
        return { ...ev, message: this.frame(ev.message) } as E;
      case 'badMessage':
        return { ...ev, raw: this.text(ev.raw as string) } as E;
      case 'rateLimitExceeded':
        return (ev.raw === undefined ? e : { ...ev, raw: this.text(ev.raw as string) }) as E;
      case 'commandDelivered':
        return { ...ev, response: ev.response && this.value(ev.response) } as E;
      default:
        return e;
    }
  }

  private frame(frame: unknown): unknown {
    const f = frame as { payload?: unknown; errorDetails?: unknown };
    if (!f || typeof f !== 'object') return frame;
    const out: Record<string, unknown> = { ...f };
    if (f.payload !== undefined) out.payload = this.value(f.payload);
    if (f.errorDetails !== undefined) out.errorDetails = this.value(f.errorDetails);
    return out;
  }
}
