import type { JsonSchema } from '../../protocol/schemas.js';
import type { OcppVersion } from '../../protocol/versions.js';
import { UnrepresentableError } from '../errors.js';
import type { Payload } from '../types.js';

/**
 * 2.0.1 and 2.1 share their messages' structure; 2.1 adds optional fields, enum values and wider
 * limits (ocpp-notes §4.3). Projecting a payload onto the other version's official schema keeps every
 * field that version has, drops optional fields whose value it cannot hold (a 2.1-only field, enum
 * value, longer string, out-of-range number; an array item that cannot be held when enough remain), and
 * refuses the message only when a required field cannot be held. The result is schema-valid by
 * construction. Reads the schemas through the protocol layer, where the validators read them, loaded
 * on first use: importing the translation entry does not pull in the file system.
 */

interface Node {
  type?: string | string[];
  $ref?: string;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Node>;
  required?: string[];
  additionalProperties?: boolean | Node;
  items?: Node;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  definitions?: Record<string, Node>;
}

/** Marks a value the target cannot hold. */
const NO = Symbol('unrepresentable');

let schemas: Promise<typeof import('../../protocol/schemas.js')> | undefined;

export async function projectPayload(
  version: OcppVersion,
  action: string,
  kind: 'request' | 'response',
  payload: Payload,
): Promise<Payload> {
  schemas ??= import('../../protocol/schemas.js');
  const schema = (await schemas).schemaFor(version, action, kind) as (JsonSchema & Node) | undefined;
  if (!schema) throw new UnrepresentableError(`${action} has no ${version} ${kind}`, 'NotSupported');
  const where: string[] = [];
  const out = project(schema, schema, payload, '', { where, answer: kind === 'response' });
  if (out === NO) {
    throw new UnrepresentableError(
      `${action} ${kind} cannot be expressed in ${version} (at ${where[0] || '(payload)'})`,
    );
  }
  return out;
}

function resolve(root: Node, node: Node): Node {
  let n = node;
  while (n.$ref !== undefined) {
    const name = n.$ref.replace('#/definitions/', '');
    n = root.definitions?.[name] ?? {};
  }
  return n;
}

function typeOf(node: Node): string | undefined {
  if (Array.isArray(node.type)) return node.type.find((t) => t !== 'null');
  return node.type ?? (node.properties ? 'object' : undefined);
}

interface Walk {
  /** Paths that could not be held, first one first. */
  readonly where: string[];
  /** Projecting an answer: a status the target lacks falls back to its refusal (see STATUS_FALLBACK). */
  readonly answer: boolean;
}

/**
 * An answer's status the target version does not have (2.1's Processing, NoChargingProfile, …) reads as
 * the nearest refusal the target does have: the request was not carried out as asked.
 */
const STATUS_FALLBACK = ['Rejected', 'NotSupported', 'Unknown', 'Failed'];

function project(root: Node, raw: Node, value: unknown, path: string, walk: Walk): unknown {
  const node = resolve(root, raw);
  const no = () => {
    walk.where.push(path);
    return NO;
  };
  if (node.const !== undefined) return value === node.const ? value : no();
  if (node.enum) return node.enum.includes(value) ? value : no();
  switch (typeOf(node)) {
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return no();
      const props = node.properties ?? {};
      const required = new Set(node.required ?? []);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const sub = props[k];
        if (!sub) {
          if (node.additionalProperties === false) continue;
          out[k] = v;
          continue;
        }
        let projected = project(root, sub, v, `${path}.${k}`, walk);
        if (projected === NO && walk.answer && /status$/i.test(k)) {
          const options = resolve(root, sub).enum ?? [];
          projected = STATUS_FALLBACK.find((f) => options.includes(f)) ?? NO;
        }
        if (projected !== NO) out[k] = projected;
        else if (required.has(k)) return no();
      }
      for (const r of required) if (!(r in out)) return no();
      return out;
    }
    case 'array': {
      if (!Array.isArray(value)) return no();
      const items = value
        .map((item, i) => project(root, node.items ?? {}, item, `${path}[${i}]`, walk))
        .filter((x) => x !== NO);
      const kept = node.maxItems !== undefined ? items.slice(0, node.maxItems) : items;
      if (kept.length < (node.minItems ?? 0) || (kept.length === 0 && value.length > 0)) return no();
      return kept;
    }
    case 'string': {
      if (typeof value !== 'string') return no();
      const length = [...value].length;
      if (node.maxLength !== undefined && length > node.maxLength) return no();
      if (node.minLength !== undefined && length < node.minLength) return no();
      return value;
    }
    case 'integer':
    case 'number': {
      if (typeof value !== 'number' || (typeOf(node) === 'integer' && !Number.isInteger(value))) return no();
      if (node.minimum !== undefined && value < node.minimum) return no();
      if (node.maximum !== undefined && value > node.maximum) return no();
      if (node.exclusiveMinimum !== undefined && value <= node.exclusiveMinimum) return no();
      if (node.exclusiveMaximum !== undefined && value >= node.exclusiveMaximum) return no();
      return value;
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : no();
    default:
      return value;
  }
}
