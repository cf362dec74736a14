import { describe, expect, it } from 'vitest';
import { type BadFrameReason, decodeFrame } from '../../src/protocol/decode.js';
import { encodeCallError, encodeCallResultError } from '../../src/protocol/encode.js';
import { ERROR_CODES } from '../../src/protocol/error-codes.js';
import { RpcError } from '../../src/protocol/errors.js';
import type { Frame } from '../../src/protocol/frames.js';
import { OCPP_VERSIONS, type OcppVersion } from '../../src/protocol/versions.js';

/** What `decodeFrame` must give: a frame, or a reason plus the exact reply (undefined = silence). */
type Outcome =
  | { readonly ok: true; readonly frame: Frame }
  | { readonly ok: false; readonly reason: BadFrameReason; readonly reply: readonly unknown[] | undefined };

type PerVersion = Readonly<Record<OcppVersion, Outcome>>;

interface Case {
  readonly name: string;
  readonly raw: string;
  readonly expect: PerVersion;
}

const same = (o: Outcome): PerVersion => ({ 'ocpp1.6': o, 'ocpp2.0.1': o, 'ocpp2.1': o });
const each = (f: (v: OcppVersion) => Outcome): PerVersion => ({
  'ocpp1.6': f('ocpp1.6'),
  'ocpp2.0.1': f('ocpp2.0.1'),
  'ocpp2.1': f('ocpp2.1'),
});
const ok = (frame: Frame): Outcome => ({ ok: true, frame });
const bad = (reason: BadFrameReason, reply?: readonly unknown[]): Outcome => ({ ok: false, reason, reply });

/** A CALLERROR as the reply: the description is prose, so any non-empty text; details must be `{}`. */
const callError = (id: string, code: string) => [4, id, code, expect.any(String), {}];
const callResultError = (id: string, code: string) => [5, id, code, expect.any(String), {}];

/** The framing fault code: 1.6 has no RpcFrameworkError, ProtocolError is its nearest. */
const framing = (v: OcppVersion) => (v === 'ocpp1.6' ? 'ProtocolError' : 'RpcFrameworkError');
/** "Syntactically incorrect": 1.6 keeps its typo (errata §5.1). */
const format = (v: OcppVersion) => (v === 'ocpp1.6' ? 'FormationViolation' : 'FormatViolation');

const ID36 = 'a'.repeat(36);
const ID37 = 'b'.repeat(37);
const STREAM = { id: 1, pending: 0, basetime: '2025-01-01T00:00:00Z', data: [{ t: 0, v: '1' }] };
const raw = (...frame: unknown[]) => JSON.stringify(frame);

const CASES: readonly Case[] = [
  // --- not JSON at all: the id is unreadable, so "-1" (2.x §4.2.3)
  {
    name: 'invalid JSON (truncated CALL)',
    raw: '[2,"abc","Heartbeat",{}',
    expect: each((v) =>
      bad('invalid-json', callError('-1', v === 'ocpp1.6' ? 'FormationViolation' : 'RpcFrameworkError')),
    ),
  },
  {
    name: 'invalid JSON (empty text)',
    raw: '',
    expect: each((v) =>
      bad('invalid-json', callError('-1', v === 'ocpp1.6' ? 'FormationViolation' : 'RpcFrameworkError')),
    ),
  },
  {
    name: 'invalid JSON (single quotes)',
    raw: "[2,'abc','Heartbeat',{}]",
    expect: each((v) =>
      bad('invalid-json', callError('-1', v === 'ocpp1.6' ? 'FormationViolation' : 'RpcFrameworkError')),
    ),
  },
  // --- JSON, but not an OCPP-J array
  {
    name: 'an object',
    raw: '{"messageTypeId":2}',
    expect: each((v) => bad('not-an-rpc-array', callError('-1', framing(v)))),
  },
  {
    name: 'a string',
    raw: '"hello"',
    expect: each((v) => bad('not-an-rpc-array', callError('-1', framing(v)))),
  },
  { name: 'a number', raw: '2', expect: each((v) => bad('not-an-rpc-array', callError('-1', framing(v)))) },
  { name: 'null', raw: 'null', expect: each((v) => bad('not-an-rpc-array', callError('-1', framing(v)))) },
  {
    name: 'an empty array',
    raw: '[]',
    expect: each((v) => bad('not-an-rpc-array', callError('-1', framing(v)))),
  },
  {
    name: 'message type is a string',
    raw: raw('2', 'abc', 'Heartbeat', {}),
    expect: each((v) => bad('not-an-rpc-array', callError('abc', framing(v)))),
  },
  {
    name: 'message type is null, id unreadable',
    raw: raw(null, 5, 'Heartbeat', {}),
    expect: each((v) => bad('not-an-rpc-array', callError('-1', framing(v)))),
  },
  // --- unknown message types: 1.6 and 2.1 ignore, 2.0.1 §4.4 answers MessageTypeNotSupported
  {
    name: 'unknown type 7 with a readable id',
    raw: raw(7, 'abc', 'Heartbeat', {}),
    expect: {
      'ocpp1.6': bad('unknown-message-type'),
      'ocpp2.0.1': bad('unknown-message-type', callError('abc', 'MessageTypeNotSupported')),
      'ocpp2.1': bad('unknown-message-type'),
    },
  },
  {
    name: 'non-integer type 2.5 is an unknown type, not a framing fault',
    raw: raw(2.5, 'abc', 'Heartbeat', {}),
    expect: {
      'ocpp1.6': bad('unknown-message-type'),
      'ocpp2.0.1': bad('unknown-message-type', callError('abc', 'MessageTypeNotSupported')),
      'ocpp2.1': bad('unknown-message-type'),
    },
  },
  {
    name: 'unknown type 7 with an unreadable id',
    raw: raw(7, 42, {}),
    expect: {
      'ocpp1.6': bad('unknown-message-type'),
      'ocpp2.0.1': bad('unknown-message-type', callError('-1', 'MessageTypeNotSupported')),
      'ocpp2.1': bad('unknown-message-type'),
    },
  },
  {
    name: 'unknown type 1',
    raw: raw(1, 'abc', {}),
    expect: {
      'ocpp1.6': bad('unknown-message-type'),
      'ocpp2.0.1': bad('unknown-message-type', callError('abc', 'MessageTypeNotSupported')),
      'ocpp2.1': bad('unknown-message-type'),
    },
  },
  {
    name: 'type 5 CALLRESULTERROR (2.1 only)',
    raw: raw(5, 'abc', 'FormatViolation', 'bad result', { field: 'x' }),
    expect: {
      'ocpp1.6': bad('unknown-message-type'),
      'ocpp2.0.1': bad('unknown-message-type', callError('abc', 'MessageTypeNotSupported')),
      'ocpp2.1': ok({
        type: 5,
        messageId: 'abc',
        errorCode: 'FormatViolation',
        errorDescription: 'bad result',
        errorDetails: { field: 'x' },
      }),
    },
  },
  {
    name: 'type 6 SEND (2.1 only)',
    raw: raw(6, 'abc', 'NotifyPeriodicEventStream', STREAM),
    expect: {
      'ocpp1.6': bad('unknown-message-type'),
      'ocpp2.0.1': bad('unknown-message-type', callError('abc', 'MessageTypeNotSupported')),
      'ocpp2.1': ok({ type: 6, messageId: 'abc', action: 'NotifyPeriodicEventStream', payload: STREAM }),
    },
  },
  // --- message id
  {
    name: 'CALL with a number id',
    raw: raw(2, 123, 'Heartbeat', {}),
    expect: each((v) => bad('unreadable-message-id', callError('-1', framing(v)))),
  },
  {
    name: 'CALL with a null id',
    raw: raw(2, null, 'Heartbeat', {}),
    expect: each((v) => bad('unreadable-message-id', callError('-1', framing(v)))),
  },
  {
    name: 'CALL with no id at all',
    raw: raw(2),
    expect: each((v) => bad('unreadable-message-id', callError('-1', framing(v)))),
  },
  {
    name: 'CALL with a 36-char id',
    raw: raw(2, ID36, 'Heartbeat', {}),
    expect: same(ok({ type: 2, messageId: ID36, action: 'Heartbeat', payload: {} })),
  },
  {
    name: 'CALL with a 36-emoji id (36 characters, 72 UTF-16 units)',
    raw: raw(2, '🔌'.repeat(36), 'Heartbeat', {}),
    expect: same(ok({ type: 2, messageId: '🔌'.repeat(36), action: 'Heartbeat', payload: {} })),
  },
  {
    name: 'CALL with a 37-emoji id',
    raw: raw(2, '🔌'.repeat(37), 'Heartbeat', {}),
    expect: each((v) => bad('message-id-too-long', callError('🔌'.repeat(37), framing(v)))),
  },
  {
    name: 'CALL with a 37-char id',
    raw: raw(2, ID37, 'Heartbeat', {}),
    expect: each((v) => bad('message-id-too-long', callError(ID37, framing(v)))),
  },
  {
    name: 'CALLRESULT with a 37-char id',
    raw: raw(3, ID37, {}),
    expect: same(bad('message-id-too-long')),
  },
  {
    name: 'CALLRESULT with a number id',
    raw: raw(3, 1, {}),
    expect: same(bad('unreadable-message-id')),
  },
  {
    name: 'CALL id with quotes and control characters is echoed as valid JSON',
    raw: raw(2, 'a"b\\\n\u0000', 'Heartbeat', null),
    expect: each((v) => bad('payload-not-object', callError('a"b\\\n\u0000', format(v)))),
  },
  // --- CALL shape
  {
    name: 'CALL with 3 elements',
    raw: raw(2, 'abc', 'Heartbeat'),
    expect: each((v) => bad('wrong-element-count', callError('abc', framing(v)))),
  },
  {
    name: 'CALL with 5 elements',
    raw: raw(2, 'abc', 'Heartbeat', {}, {}),
    expect: each((v) => bad('wrong-element-count', callError('abc', framing(v)))),
  },
  {
    name: 'CALL whose action is a number',
    raw: raw(2, 'abc', 42, {}),
    expect: each((v) => bad('invalid-action', callError('abc', framing(v)))),
  },
  {
    name: 'CALL whose action is empty',
    raw: raw(2, 'abc', '', {}),
    expect: each((v) => bad('invalid-action', callError('abc', framing(v)))),
  },
  {
    name: 'CALL whose payload is null',
    raw: raw(2, 'abc', 'Heartbeat', null),
    expect: each((v) => bad('payload-not-object', callError('abc', format(v)))),
  },
  {
    name: 'CALL whose payload is an array',
    raw: raw(2, 'abc', 'Heartbeat', []),
    expect: each((v) => bad('payload-not-object', callError('abc', format(v)))),
  },
  {
    name: 'CALL whose payload is a string',
    raw: raw(2, 'abc', 'Heartbeat', '{}'),
    expect: each((v) => bad('payload-not-object', callError('abc', format(v)))),
  },
  {
    name: 'valid CALL',
    raw: raw(2, '19223201', 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' }),
    expect: same(
      ok({
        type: 2,
        messageId: '19223201',
        action: 'BootNotification',
        payload: { chargePointVendor: 'V', chargePointModel: 'M' },
      }),
    ),
  },
  // --- CALLRESULT: never a CALLERROR; 2.1 answers with CALLRESULTERROR
  {
    name: 'CALLRESULT whose payload is null',
    raw: raw(3, 'abc', null),
    expect: {
      'ocpp1.6': bad('payload-not-object'),
      'ocpp2.0.1': bad('payload-not-object'),
      'ocpp2.1': bad('payload-not-object', callResultError('abc', 'FormatViolation')),
    },
  },
  {
    name: 'CALLRESULT whose payload is an array',
    raw: raw(3, 'abc', [1]),
    expect: {
      'ocpp1.6': bad('payload-not-object'),
      'ocpp2.0.1': bad('payload-not-object'),
      'ocpp2.1': bad('payload-not-object', callResultError('abc', 'FormatViolation')),
    },
  },
  {
    name: 'CALLRESULT without a payload',
    raw: raw(3, 'abc'),
    expect: {
      'ocpp1.6': bad('payload-not-object'),
      'ocpp2.0.1': bad('payload-not-object'),
      'ocpp2.1': bad('payload-not-object', callResultError('abc', 'FormatViolation')),
    },
  },
  {
    name: 'valid CALLRESULT',
    raw: raw(3, 'abc', { currentTime: '2025-01-01T00:00:00Z' }),
    expect: same(ok({ type: 3, messageId: 'abc', payload: { currentTime: '2025-01-01T00:00:00Z' } })),
  },
  // --- CALLERROR: read leniently, never answered
  { name: 'CALLERROR without a code', raw: raw(4, 'abc'), expect: same(bad('invalid-error-code')) },
  {
    name: 'CALLERROR whose code is a number',
    raw: raw(4, 'abc', 500, 'oops', {}),
    expect: same(bad('invalid-error-code')),
  },
  {
    name: 'CALLERROR with a number id',
    raw: raw(4, 7, 'GenericError', '', {}),
    expect: same(bad('unreadable-message-id')),
  },
  {
    name: 'CALLERROR without details',
    raw: raw(4, 'abc', 'GenericError', 'oops'),
    expect: same(
      ok({
        type: 4,
        messageId: 'abc',
        errorCode: 'GenericError',
        errorDescription: 'oops',
        errorDetails: {},
      }),
    ),
  },
  {
    name: 'CALLERROR without description or details',
    raw: raw(4, 'abc', 'InternalError'),
    expect: same(
      ok({ type: 4, messageId: 'abc', errorCode: 'InternalError', errorDescription: '', errorDetails: {} }),
    ),
  },
  {
    name: 'CALLERROR with null details',
    raw: raw(4, 'abc', 'NotSupported', 'no', null),
    expect: same(
      ok({ type: 4, messageId: 'abc', errorCode: 'NotSupported', errorDescription: 'no', errorDetails: {} }),
    ),
  },
  // --- CALLRESULTERROR and SEND (2.1): never answered
  {
    name: 'CALLRESULTERROR without a code',
    raw: raw(5, 'abc'),
    expect: {
      'ocpp1.6': bad('unknown-message-type'),
      'ocpp2.0.1': bad('unknown-message-type', callError('abc', 'MessageTypeNotSupported')),
      'ocpp2.1': bad('invalid-error-code'),
    },
  },
  {
    name: 'SEND whose payload is null',
    raw: raw(6, 'abc', 'NotifyPeriodicEventStream', null),
    expect: {
      'ocpp1.6': bad('unknown-message-type'),
      'ocpp2.0.1': bad('unknown-message-type', callError('abc', 'MessageTypeNotSupported')),
      'ocpp2.1': bad('payload-not-object'),
    },
  },
  {
    name: 'SEND whose action is a number',
    raw: raw(6, 'abc', 1, {}),
    expect: {
      'ocpp1.6': bad('unknown-message-type'),
      'ocpp2.0.1': bad('unknown-message-type', callError('abc', 'MessageTypeNotSupported')),
      'ocpp2.1': bad('invalid-action'),
    },
  },
  {
    name: 'SEND with 3 elements',
    raw: raw(6, 'abc', 'NotifyPeriodicEventStream'),
    expect: {
      'ocpp1.6': bad('unknown-message-type'),
      'ocpp2.0.1': bad('unknown-message-type', callError('abc', 'MessageTypeNotSupported')),
      'ocpp2.1': bad('wrong-element-count'),
    },
  },
  {
    name: 'SEND with a number id',
    raw: raw(6, 9, 'NotifyPeriodicEventStream', STREAM),
    expect: {
      'ocpp1.6': bad('unknown-message-type'),
      'ocpp2.0.1': bad('unknown-message-type', callError('-1', 'MessageTypeNotSupported')),
      'ocpp2.1': bad('unreadable-message-id'),
    },
  },
  {
    name: 'SEND with a 37-char id',
    raw: raw(6, ID37, 'NotifyPeriodicEventStream', STREAM),
    expect: {
      'ocpp1.6': bad('unknown-message-type'),
      'ocpp2.0.1': bad('unknown-message-type', callError('-1', 'MessageTypeNotSupported')),
      'ocpp2.1': bad('message-id-too-long'),
    },
  },
];

const ROWS = CASES.flatMap((c) => OCPP_VERSIONS.map((v) => [v, c.name, c.raw, c.expect[v]] as const));

describe('decodeFrame: every malformed input, per version', () => {
  it.each(ROWS)('%s: %s', (version, _name, input, want) => {
    const got = decodeFrame(input, version);
    if (want.ok) {
      expect(got).toEqual({ ok: true, frame: want.frame });
      return;
    }
    if (got.ok) throw new Error(`decoded as a frame: ${JSON.stringify(got.frame)}`);
    expect(got.reason).toBe(want.reason);
    expect(got.error).toBeInstanceOf(RpcError);
    if (want.reply === undefined) {
      expect(got.reply).toBeUndefined();
      return;
    }
    expect(got.reply).toBeTypeOf('string');
    const reply = JSON.parse(got.reply!) as unknown[];
    expect(reply).toEqual(want.reply);
    expect(reply[3]).not.toBe('');
    // The reply spells the error the decoder reports, in this version's table.
    expect(reply[2]).toBe(got.error.codeFor(version));
    expect(ERROR_CODES[version]).toContain(reply[2]);
  });

  it('reports the message type and the (possibly over-long) id it could read', () => {
    const long = decodeFrame(raw(2, ID37, 'Heartbeat', {}), 'ocpp2.0.1');
    expect(long).toMatchObject({ ok: false, messageType: 2, messageId: ID37 });
    const unknown = decodeFrame(raw(9, 'xyz'), 'ocpp1.6');
    expect(unknown).toMatchObject({ ok: false, messageType: 9, messageId: 'xyz' });
    const unparsable = decodeFrame('{', 'ocpp2.1');
    expect(unparsable).toMatchObject({ ok: false, messageType: undefined });
  });
});

describe('encodeCallError', () => {
  const decodeReply = (s: string) => JSON.parse(s) as [number, string, string, string, unknown];

  it('spells the code for the version', () => {
    const err = new RpcError('OccurrenceConstraintViolation', 'missing idTag');
    expect(decodeReply(encodeCallError('ocpp1.6', 'm1', err))[2]).toBe('OccurenceConstraintViolation');
    expect(decodeReply(encodeCallError('ocpp2.0.1', 'm1', err))[2]).toBe('OccurrenceConstraintViolation');
    expect(decodeReply(encodeCallError('ocpp2.1', 'm1', err))[2]).toBe('OccurrenceConstraintViolation');
    const fmt = new RpcError('FormatViolation', 'x');
    expect(decodeReply(encodeCallError('ocpp1.6', 'm1', fmt))[2]).toBe('FormationViolation');
    expect(decodeReply(encodeCallError('ocpp2.0.1', 'm1', fmt))[2]).toBe('FormatViolation');
  });

  it('truncates a description over 255 characters to exactly 255', () => {
    const reply = decodeReply(
      encodeCallError('ocpp2.0.1', 'm1', new RpcError('InternalError', 'e'.repeat(300))),
    );
    expect(reply[3]).toBe('e'.repeat(255));
  });

  it('keeps a description of exactly 255 characters whole', () => {
    const desc = `${'d'.repeat(254)}!`;
    expect(decodeReply(encodeCallError('ocpp2.1', 'm1', new RpcError('InternalError', desc)))[3]).toBe(desc);
  });

  it('counts code points, so 255 emoji survive whole and nothing is split', () => {
    const emoji = '😀'.repeat(255); // 510 UTF-16 units, 255 characters
    expect(decodeReply(encodeCallError('ocpp2.0.1', 'm1', new RpcError('GenericError', emoji)))[3]).toBe(
      emoji,
    );

    const over = `${'a'.repeat(254)}😀😀`;
    const cut = decodeReply(encodeCallError('ocpp2.0.1', 'm1', new RpcError('GenericError', over)))[3];
    expect(cut).toBe(`${'a'.repeat(254)}😀`);
    expect([...cut]).toHaveLength(255);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/); // no dangling high surrogate
  });

  it('truncates the same way in a 2.1 CALLRESULTERROR', () => {
    const reply = decodeReply(encodeCallResultError('m9', new RpcError('FormatViolation', '🔌'.repeat(400))));
    expect(reply).toEqual([5, 'm9', 'FormatViolation', '🔌'.repeat(255), {}]);
  });

  it('sends errorDetails {} when there are none, and the details when there are', () => {
    expect(decodeReply(encodeCallError('ocpp1.6', 'm1', new RpcError('GenericError')))[4]).toEqual({});
    expect(
      decodeReply(encodeCallError('ocpp1.6', 'm1', new RpcError('GenericError', 'x', undefined)))[4],
    ).toEqual({});
    const nullDetails = new RpcError('GenericError', 'x', null as never);
    expect(decodeReply(encodeCallError('ocpp2.0.1', 'm1', nullDetails))[4]).toEqual({});
    const arrayDetails = new RpcError('GenericError', 'x', [1, 2] as never);
    expect(decodeReply(encodeCallError('ocpp2.0.1', 'm1', arrayDetails))[4]).toEqual({});
    const withDetails = new RpcError('GenericError', 'x', { field: 'idTag' });
    expect(decodeReply(encodeCallError('ocpp2.1', 'm1', withDetails))[4]).toEqual({ field: 'idTag' });
  });

  it('sends "" as the description when there is nothing to say', () => {
    expect(encodeCallError('ocpp2.0.1', 'm1', new RpcError('NotImplemented'))).toBe(
      '[4,"m1","NotImplemented","",{}]',
    );
  });
});
