import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Decoded, decodeFrame, UNREADABLE_ID } from '../../src/protocol/decode.js';
import {
  encodeCall,
  encodeCallError,
  encodeCallResult,
  encodeCallResultError,
  encodeSend,
  truncateDescription,
} from '../../src/protocol/encode.js';
import { ERROR_CODES, ERROR_KINDS, errorKindOf } from '../../src/protocol/error-codes.js';
import { RpcError } from '../../src/protocol/errors.js';
import { MAX_ERROR_DESCRIPTION_LENGTH, MAX_MESSAGE_ID_LENGTH } from '../../src/protocol/frames.js';
import { OCPP_VERSIONS, type OcppVersion } from '../../src/protocol/versions.js';

/** Runs per property: enough to reach every decoder branch (checked while writing), cheap enough for CI. */
const RUNS = 500;

const knownTypes: Record<OcppVersion, readonly number[]> = {
  'ocpp1.6': [2, 3, 4],
  'ocpp2.0.1': [2, 3, 4],
  'ocpp2.1': [2, 3, 4, 5, 6],
};

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** What the input looked like, read independently of the decoder. */
type Inbound =
  | { readonly shape: 'not-json' }
  | { readonly shape: 'not-array' }
  | {
      readonly shape: 'array';
      readonly type: unknown;
      readonly id: unknown;
      readonly msg: readonly unknown[];
    };

function inspect(raw: string): Inbound {
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    return { shape: 'not-json' };
  }
  if (!Array.isArray(msg) || msg.length === 0) return { shape: 'not-array' };
  return { shape: 'array', type: msg[0], id: msg[1], msg };
}

/** Every promise `decodeFrame` makes about one input, checked against an independent reading of it. */
function checkDecoded(raw: string, version: OcppVersion, d: Decoded): void {
  const inbound = inspect(raw);

  if (d.ok) {
    if (inbound.shape !== 'array') throw new Error('decoded a frame from a non-array');
    const { frame } = d;
    expect(knownTypes[version]).toContain(frame.type);
    expect(frame.type).toBe(inbound.type);
    expect(frame.messageId).toBe(inbound.id);
    expect(frame.messageId.length).toBeLessThanOrEqual(MAX_MESSAGE_ID_LENGTH);
    if (frame.type === 2 || frame.type === 6) {
      expect(inbound.msg).toHaveLength(4);
      expect(frame.action).toBe(inbound.msg[2]);
      expect(frame.action.length).toBeGreaterThan(0);
      expect(isPlainObject(frame.payload)).toBe(true);
    } else if (frame.type === 3) {
      expect(isPlainObject(frame.payload)).toBe(true);
    } else {
      expect(frame.errorCode).toBe(inbound.msg[2]);
      expect(isPlainObject(frame.errorDetails)).toBe(true);
    }
    return;
  }

  expect(d.error).toBeInstanceOf(RpcError);
  const type = inbound.shape === 'array' ? inbound.type : undefined;
  const knownType = typeof type === 'number' && knownTypes[version].includes(type);
  const unknownIntegerType = typeof type === 'number' && Number.isInteger(type) && !knownType;

  // When is silence required, and when is a reply required?
  if (knownType && type !== 2 && !(type === 3 && version === 'ocpp2.1')) {
    // A CALLRESULT (before 2.1), CALLERROR, CALLRESULTERROR or SEND is never answered.
    expect(d.reply).toBeUndefined();
  }
  if (unknownIntegerType && version !== 'ocpp2.0.1') expect(d.reply).toBeUndefined();
  if (unknownIntegerType && version === 'ocpp2.0.1') expect(d.reply).toBeDefined();
  if (inbound.shape !== 'array' || type === 2) {
    // A bad CALL (or what may have been one) is always answered: silence leaves the sender waiting.
    expect(d.reply).toBeDefined();
  }
  if (d.reply === undefined) return;

  const reply = JSON.parse(d.reply) as unknown[];
  expect(reply).toHaveLength(5);
  if (reply[0] === 5) {
    expect(version).toBe('ocpp2.1');
    expect(type).toBe(3);
  } else {
    expect(reply[0]).toBe(4);
  }
  const [, id, code, description, details] = reply;
  expect(ERROR_CODES[version]).toContain(code);
  expect(code).toBe(d.error.codeFor(version));
  if (unknownIntegerType) expect(code).toBe('MessageTypeNotSupported');
  // Echo rule: the id the sender used when it can be read, "-1" otherwise.
  if (id !== UNREADABLE_ID) {
    expect(id).toBe(d.messageId);
    expect(id).toBe(inbound.shape === 'array' ? inbound.id : undefined);
  }
  if (
    inbound.shape === 'array' &&
    typeof inbound.id === 'string' &&
    inbound.id.length <= MAX_MESSAGE_ID_LENGTH
  ) {
    expect(id).toBe(inbound.id);
  }
  if (inbound.shape !== 'array') expect(id).toBe(UNREADABLE_ID);
  expect(typeof description).toBe('string');
  expect([...(description as string)].length).toBeLessThanOrEqual(MAX_ERROR_DESCRIPTION_LENGTH);
  expect(isPlainObject(details)).toBe(true);
}

// --- arbitraries

const json = fc.jsonValue({ maxDepth: 3 });
const idArb = fc.oneof(
  fc.string({ maxLength: 36 }),
  fc.uuid(),
  fc.string({ minLength: 35, maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constant(UNREADABLE_ID),
  fc.integer(),
  fc.constant(null),
  json,
);
const typeArb = fc.oneof(
  { arbitrary: fc.constantFrom(2, 3, 4, 5, 6), weight: 6 },
  { arbitrary: fc.integer({ min: -2, max: 12 }), weight: 2 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: json, weight: 1 },
);
const elementArb = fc.oneof(
  fc.constantFrom(
    'Heartbeat',
    'BootNotification',
    'NotifyPeriodicEventStream',
    'GenericError',
    'FormatViolation',
  ),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 4 }),
  fc.constant({}),
  json,
);
/** Arrays shaped like frames: a plausible type and id, then 0–4 more elements, sometimes cut short. */
const frameLike = fc
  .tuple(typeArb, idArb, fc.array(elementArb, { maxLength: 4 }), fc.nat({ max: 8 }))
  .map(([type, id, rest, keep]) => [type, id, ...rest].slice(0, Math.max(keep, 1)));

const versionArb = fc.constantFrom(...OCPP_VERSIONS);

describe('decodeFrame never throws and only replies as the spec allows', () => {
  it('arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), versionArb, (raw, version) => {
        checkDecoded(raw, version, decodeFrame(raw, version));
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary JSON values', () => {
    fc.assert(
      fc.property(json, versionArb, (value, version) => {
        const raw = JSON.stringify(value);
        checkDecoded(raw, version, decodeFrame(raw, version));
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary arrays shaped like frames', () => {
    fc.assert(
      fc.property(frameLike, versionArb, (frame, version) => {
        const raw = JSON.stringify(frame);
        checkDecoded(raw, version, decodeFrame(raw, version));
      }),
      { numRuns: 3 * RUNS },
    );
  });

  it('frames with a corrupted byte', () => {
    const valid = fc.tuple(
      fc.constantFrom(
        '[2,"abc","Heartbeat",{}]',
        '[3,"abc",{"status":"Accepted"}]',
        '[4,"abc","GenericError","",{}]',
      ),
      fc.nat(),
      fc.string({ minLength: 1, maxLength: 1 }),
    );
    fc.assert(
      fc.property(valid, versionArb, ([text, at, ch], version) => {
        const i = at % text.length;
        const raw = text.slice(0, i) + ch + text.slice(i + 1);
        checkDecoded(raw, version, decodeFrame(raw, version));
      }),
      { numRuns: RUNS },
    );
  });
});

// --- round trips

const messageId = fc.oneof(
  fc.string({ maxLength: MAX_MESSAGE_ID_LENGTH }),
  fc.uuid(),
  // up to 18 code points of any kind stays within 36 UTF-16 units
  fc.string({ unit: 'binary', maxLength: MAX_MESSAGE_ID_LENGTH / 2 }),
);
const action = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });
const payload = fc.dictionary(fc.string({ unit: 'binary', maxLength: 10 }), json, { maxKeys: 5 });
const KINDS = ERROR_KINDS;
const rpcError = fc
  .tuple(fc.constantFrom(...KINDS), fc.string({ unit: 'binary', maxLength: 400 }), payload)
  .map(([kind, description, details]) => new RpcError(kind, description, details));

/** What survives a trip through JSON (e.g. -0 becomes 0). */
const viaJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('encode then decode round-trips every valid frame', () => {
  it('CALL', () => {
    fc.assert(
      fc.property(versionArb, messageId, action, payload, (version, id, act, p) => {
        expect(decodeFrame(encodeCall(id, act, p), version)).toEqual({
          ok: true,
          frame: { type: 2, messageId: id, action: act, payload: viaJson(p) },
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('CALLRESULT', () => {
    fc.assert(
      fc.property(versionArb, messageId, payload, (version, id, p) => {
        expect(decodeFrame(encodeCallResult(id, p), version)).toEqual({
          ok: true,
          frame: { type: 3, messageId: id, payload: viaJson(p) },
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('CALLERROR, its code spelled for the version', () => {
    fc.assert(
      fc.property(versionArb, messageId, rpcError, (version, id, err) => {
        const d = decodeFrame(encodeCallError(version, id, err), version);
        expect(d).toEqual({
          ok: true,
          frame: {
            type: 4,
            messageId: id,
            errorCode: err.codeFor(version),
            errorDescription: truncateDescription(err.description),
            errorDetails: viaJson(err.details),
          },
        });
        if (d.ok && d.frame.type === 4) {
          expect(ERROR_CODES[version]).toContain(d.frame.errorCode);
          expect([...d.frame.errorDescription].length).toBeLessThanOrEqual(MAX_ERROR_DESCRIPTION_LENGTH);
          // The kind survives the trip even through 1.6's spellings, except where 1.6 has no code.
          if (version !== 'ocpp1.6' || !['RpcFrameworkError', 'MessageTypeNotSupported'].includes(err.kind)) {
            expect(errorKindOf(d.frame.errorCode)).toBe(err.kind);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('2.1 CALLRESULTERROR', () => {
    fc.assert(
      fc.property(messageId, rpcError, (id, err) => {
        expect(decodeFrame(encodeCallResultError(id, err), 'ocpp2.1')).toEqual({
          ok: true,
          frame: {
            type: 5,
            messageId: id,
            errorCode: err.codeFor('ocpp2.1'),
            errorDescription: truncateDescription(err.description),
            errorDetails: viaJson(err.details),
          },
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('2.1 SEND', () => {
    fc.assert(
      fc.property(messageId, action, payload, (id, act, p) => {
        expect(decodeFrame(encodeSend(id, act, p), 'ocpp2.1')).toEqual({
          ok: true,
          frame: { type: 6, messageId: id, action: act, payload: viaJson(p) },
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('truncateDescription keeps at most 255 code points, is a prefix, and never splits a pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (s) => {
        const t = truncateDescription(s);
        expect(s.startsWith(t)).toBe(true);
        expect([...t].length).toBe(Math.min([...s].length, MAX_ERROR_DESCRIPTION_LENGTH));
        const last = t.charCodeAt(t.length - 1);
        expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });
});
