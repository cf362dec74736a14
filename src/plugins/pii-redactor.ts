import type { OcppPlugin } from '../hooks/types.js';

export interface PiiRedactorOptions {
  /** Field names whose values are masked (whatever their type: a 2.0.1 `idToken` object is masked whole). */
  fields?: readonly string[];
  /** Default `"[REDACTED]"`. */
  mask?: string;
  /** Default true: look into nested objects and arrays; false: top-level fields only. */
  deep?: boolean;
  /**
   * Default false: handlers see the original values and only what leaves the process is redacted
   * (events, sinks, `logPayloads` lines). True: inbound CALL payloads are rewritten before validation
   * and handlers too (irreversible; a masked value may then fail schema validation).
   */
  redactHandlers?: boolean;
  /** ocpp-ws-io 2.x's name for `fields` (used when `fields` is not given). */
  sensitiveKeys?: readonly string[];
  /** ocpp-ws-io 2.x's name for `mask`. */
  replacement?: string;
  /**
   * ocpp-ws-io 2.x's switch for rewriting inbound payloads before handlers (its default: true). Here only
   * an explicit `true` does it, as `redactHandlers`; by default handlers see the original values.
   */
  incoming?: boolean;
}

export const DEFAULT_PII_FIELDS = ['idToken', 'idTag', 'parentIdTag', 'groupIdToken', 'email', 'phoneNumber'];

/** Masks personal data in what leaves the process; optionally in what handlers see. */
export function piiRedactorPlugin(options: PiiRedactorOptions = {}): OcppPlugin {
  const fields = new Set(options.fields ?? options.sensitiveKeys ?? DEFAULT_PII_FIELDS);
  const mask = options.mask ?? options.replacement ?? '[REDACTED]';
  const deep = options.deep ?? true;

  const redact = (value: unknown, top: boolean): unknown => {
    if (Array.isArray(value)) return deep || top ? value.map((v) => redact(v, false)) : value;
    if (value === null || typeof value !== 'object') return value;
    if (!top && !deep) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fields.has(k) ? mask : redact(v, false);
    return out;
  };

  const plugin: OcppPlugin = { name: 'pii-redactor', level: 4, redact: (value) => redact(value, true) };
  if (!(options.redactHandlers ?? options.incoming === true)) return plugin;
  return {
    ...plugin,
    transformInbound: (_station, _action, payload) => redact(payload, true) as Record<string, unknown>,
  };
}
