import type { MsgHdrs } from 'nats';
import type { BusData } from '../types.js';

/**
 * How bus data travels: raw bytes as they are, anything else as JSON; one header says which and
 * carries the publishing node and time (`Bus-Meta: <j|b> <publishedAt> <origin>`), so a message
 * needs no envelope around its payload and other NATS clients can read it.
 */
export const META = 'Bus-Meta';
export const ERROR_HEADER = 'Bus-Error';

export function encodeData(data: BusData): { payload: Uint8Array; kind: 'j' | 'b' } {
  if (data instanceof Uint8Array) return { payload: data, kind: 'b' };
  return { payload: Buffer.from(JSON.stringify(data)), kind: 'j' };
}

export function decodeData(payload: Uint8Array, kind: string | undefined): BusData {
  // A copy: the client's read buffer is shared and would be pinned by a view.
  if (kind === 'b') return payload.slice();
  return JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
}

export interface Meta {
  readonly kind: 'j' | 'b';
  readonly publishedAt: number;
  readonly origin: string;
}

export function parseMeta(h: MsgHdrs | undefined): Meta {
  const raw = h?.get(META) ?? '';
  const first = raw.indexOf(' ');
  const second = raw.indexOf(' ', first + 1);
  if (first < 0 || second < 0) return { kind: 'b', publishedAt: 0, origin: '' };
  return {
    kind: raw.slice(0, first) === 'j' ? 'j' : 'b',
    publishedAt: Number(raw.slice(first + 1, second)),
    origin: raw.slice(second + 1),
  };
}

export const jsonBytes = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value));
export const parseJson = <T>(bytes: Uint8Array): T =>
  JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as T;
