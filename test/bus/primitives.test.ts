import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferedChannel } from '../../src/bus/channel.js';
import { Deque } from '../../src/bus/deque.js';
import { InvalidSubjectError } from '../../src/bus/errors.js';
import { assertPublishSubject, compilePattern, decodeToken, encodeToken } from '../../src/bus/subject.js';

describe('compilePattern', () => {
  const cases: [string, string, boolean][] = [
    ['a.b.c', 'a.b.c', true],
    ['a.b.c', 'a.b', false],
    ['a.*.c', 'a.x.c', true],
    ['a.*.c', 'a.x.y.c', false],
    ['a.*', 'a', false],
    ['a.>', 'a.b', true],
    ['a.>', 'a.b.c.d', true],
    ['a.>', 'a', false],
    ['>', 'anything.at.all', true],
    ['*.*', 'a.b', true],
    ['a+b.c', 'a+b.c', true], // regex metacharacters in tokens are literal
    ['a+b.*', 'aab.c', false],
    ['$SYS.>', '$SYS.x', true],
  ];
  it.each(cases)('%s vs %s → %s', (pattern, subject, expected) => {
    expect(compilePattern(pattern).matches(subject)).toBe(expected);
  });

  it('marks wildcard-free patterns as literals for exact indexing', () => {
    expect(compilePattern('a.b').literal).toBe('a.b');
    expect(compilePattern('a.*').literal).toBeUndefined();
  });

  it.each(['', 'a..b', '.a', 'a.', 'a.>.b', 'a.b*', 'a b', 'a.\tb'])('rejects pattern %j', (p) => {
    expect(() => compilePattern(p)).toThrow(InvalidSubjectError);
  });

  it('rejects wildcards in publish subjects', () => {
    expect(() => assertPublishSubject('a.*')).toThrow(InvalidSubjectError);
    expect(() => assertPublishSubject('>')).toThrow(InvalidSubjectError);
    expect(() => assertPublishSubject('a.b')).not.toThrow();
  });
});

describe('subject token codec', () => {
  it('round-trips any identity into one token of safe characters, keeping prefixes', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.string({ maxLength: 10 }),
        (id, more) => {
          const token = encodeToken(id);
          expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
          expect(decodeToken(token)).toBe(id);
          expect(() => assertPublishSubject(`ocpp.${token}.in`)).not.toThrow();
          expect(encodeToken(id + more).startsWith(id === '' ? '' : token)).toBe(true);
        },
      ),
    );
  });

  it('leaves plain identities as they are and keeps look-alikes apart', () => {
    expect(encodeToken('CP-001')).toBe('CP-001');
    const odd = ['a.b', 'a_2Eb', '*', '>', ' ', '', '_', '_5F', 'ü'];
    expect(new Set(odd.map(encodeToken)).size).toBe(odd.length);
    expect(encodeToken('a.b')).toBe('a_2Eb');
  });
});

describe('Deque', () => {
  it('behaves like an array under any mix of push and shift', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer(), fc.constant(null)), { maxLength: 300 }), (ops) => {
        const d = new Deque<number>(2);
        const model: number[] = [];
        for (const op of ops) {
          if (op === null) expect(d.shift()).toBe(model.shift());
          else {
            d.push(op);
            model.push(op);
          }
          expect(d.length).toBe(model.length);
          expect(d.peek()).toBe(model[0]);
        }
        expect([...d]).toEqual(model);
        expect(d.at(model.length)).toBeUndefined();
        expect(d.retain((n) => n % 2 === 0)).toBe(model.filter((n) => n % 2 !== 0).length);
        expect([...d]).toEqual(model.filter((n) => n % 2 === 0));
      }),
    );
  });
});

describe('BufferedChannel', () => {
  it('hands items straight to a waiting reader, without buffering', async () => {
    const ch = new BufferedChannel<number>(1);
    const r = ch.next();
    ch.push(1);
    ch.push(2);
    expect(await r).toEqual({ done: false, value: 1 });
    expect([ch.pending, ch.dropped]).toEqual([1, 0]);
  });

  it('calls onEnd once and ignores pushes after the end', async () => {
    let ended = 0;
    const ch = new BufferedChannel<number>(2, () => ended++);
    ch.push(1);
    ch.end();
    ch.end();
    ch.push(2);
    expect(ended).toBe(1);
    expect(await ch.next()).toEqual({ done: true, value: undefined });
  });

  it('rejects a non-positive buffer size', () => {
    expect(() => new BufferedChannel(0)).toThrow(RangeError);
  });
});
