import { InvalidSubjectError } from './errors.js';

/**
 * NATS subject rules, enforced the same way in memory so code that works on one node does not
 * fail on the first NATS deployment: dot-separated non-empty tokens without whitespace; `*` and `>`
 * only as whole tokens, `>` only last, and wildcards only in subscription patterns.
 */
const WHITESPACE = /\s/;

function tokensOf(subject: string): string[] {
  if (subject.length === 0) throw new InvalidSubjectError(subject, 'empty');
  if (WHITESPACE.test(subject)) throw new InvalidSubjectError(subject, 'contains whitespace');
  const tokens = subject.split('.');
  if (tokens.some((t) => t.length === 0)) throw new InvalidSubjectError(subject, 'empty token');
  return tokens;
}

/** Throws `InvalidSubjectError` unless `subject` is a concrete (wildcard-free) subject. */
export function assertPublishSubject(subject: string): void {
  for (const token of tokensOf(subject)) {
    if (token === '*' || token === '>') throw new InvalidSubjectError(subject, 'wildcard in publish subject');
  }
}

export interface CompiledPattern {
  readonly pattern: string;
  /** Set when the pattern has no wildcard: the subject it matches, for exact-match indexing. */
  readonly literal: string | undefined;
  matches(subject: string): boolean;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Compiles a subscription pattern once so matching a publish is a string compare (literal) or a
 * single regex test, never a per-publish tokenisation.
 */
export function compilePattern(pattern: string): CompiledPattern {
  const tokens = tokensOf(pattern);
  let wild = false;
  const parts = tokens.map((token, i) => {
    if (token === '>') {
      if (i !== tokens.length - 1) throw new InvalidSubjectError(pattern, "'>' must be the last token");
      wild = true;
      return '[^.]+(?:\\.[^.]+)*';
    }
    if (token === '*') {
      wild = true;
      return '[^.]+';
    }
    if (token.includes('*') || token.includes('>')) {
      throw new InvalidSubjectError(pattern, 'wildcards must be whole tokens');
    }
    return escapeRegExp(token);
  });
  if (!wild) return { pattern, literal: pattern, matches: (subject) => subject === pattern };
  const re = new RegExp(`^${parts.join('\\.')}$`);
  return { pattern, literal: undefined, matches: (subject) => re.test(subject) };
}

/**
 * Station identities (and other free-form names: durable names, KV keys and buckets) as ONE subject
 * token, the same on every bus: letters, digits and `-` stay as they are, every other character
 * becomes `_` and the hex of its UTF-8 bytes (`_` itself too), the empty string is `_`. The result
 * is also a valid NATS KV key, stream, consumer and bucket name part, and decodes back exactly.
 * Plain identities (`CP-001`) cost a regex test and no allocation.
 */
const PLAIN = /^[A-Za-z0-9-]+$/;
const PLAIN_CHAR = /[A-Za-z0-9-]/;

export function encodeToken(name: string): string {
  if (PLAIN.test(name)) return name;
  if (name.length === 0) return '_';
  let out = '';
  for (const ch of name) {
    if (PLAIN_CHAR.test(ch)) out += ch;
    else
      for (const byte of Buffer.from(ch, 'utf8'))
        out += `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function decodeToken(token: string): string {
  if (PLAIN.test(token)) return token;
  if (token === '_') return '';
  const bytes: number[] = [];
  for (let i = 0; i < token.length; ) {
    if (token[i] === '_') {
      bytes.push(Number.parseInt(token.slice(i + 1, i + 3), 16));
      i += 3;
    } else bytes.push(token.charCodeAt(i++));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** `<prefix>.<station token>.<rest…>`: where a station's name goes into a subject. */
export function stationSubject(prefix: string, station: string, ...rest: string[]): string {
  return [prefix, encodeToken(station), ...rest].join('.');
}
