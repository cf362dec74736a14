/**
 * Build a schema-valid example payload from an OCPP JSON schema, and find the places in it where a
 * single edit must break the schema in a known way. Test support only: it covers the keywords the
 * OCA schemas use and throws on any other constraint, so a new schema bundle cannot be half-understood.
 */

export interface SchemaNode {
  readonly type?: string | readonly string[];
  readonly $ref?: string;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | SchemaNode;
  readonly items?: SchemaNode;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly multipleOf?: number;
  readonly definitions?: Readonly<Record<string, SchemaNode>>;
}

/** Keywords that only annotate, or that this generator honours. Anything else is refused. */
const KNOWN_KEYWORDS = new Set([
  '$schema',
  '$id',
  'id',
  '$comment',
  'comment',
  'title',
  'description',
  'javaType',
  'default',
  'definitions',
  'type',
  '$ref',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'additionalItems',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
]);

export const EXAMPLE_DATE_TIME = '2025-01-02T03:04:05.678Z';
export const EXAMPLE_URI = 'https://example.com/ocpp/file.bin';

export interface ExampleOptions {
  /** Also fill optional properties (default: required ones only). */
  readonly optional?: boolean;
}

const MAX_DEPTH = 32;

/** Resolve a local `#/definitions/X` reference (the only kind the OCA schemas use). */
export function resolve(root: SchemaNode, node: SchemaNode): SchemaNode {
  let n = node;
  for (let hops = 0; n.$ref !== undefined; hops++) {
    const m = /^#\/definitions\/(.+)$/.exec(n.$ref);
    const target = m ? root.definitions?.[m[1]!] : undefined;
    if (!target || hops > MAX_DEPTH) throw new Error(`cannot resolve $ref ${n.$ref}`);
    n = target;
  }
  for (const k of Object.keys(n)) {
    if (!KNOWN_KEYWORDS.has(k)) throw new Error(`example-from-schema: unsupported keyword "${k}"`);
  }
  return n;
}

export function typeOf(node: SchemaNode): string | undefined {
  if (Array.isArray(node.type)) return node.type.find((t) => t !== 'null');
  return node.type as string | undefined;
}

/** A minimal value for `node` that the schema accepts. */
export function exampleFromSchema(root: SchemaNode, options: ExampleOptions = {}): unknown {
  return build(root, root, options, 0);
}

function build(root: SchemaNode, raw: SchemaNode, options: ExampleOptions, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new Error('example-from-schema: schema too deep (recursive?)');
  const node = resolve(root, raw);
  if (node.const !== undefined) return node.const;
  if (node.enum) {
    if (node.enum.length === 0) throw new Error('example-from-schema: empty enum');
    return node.enum[0];
  }
  const type = typeOf(node) ?? (node.properties ? 'object' : undefined);
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const props = node.properties ?? {};
      const required = new Set(node.required ?? []);
      for (const r of required) {
        if (!(r in props)) throw new Error(`example-from-schema: required "${r}" has no schema`);
      }
      for (const [name, sub] of Object.entries(props)) {
        if (required.has(name) || options.optional) out[name] = build(root, sub, options, depth + 1);
      }
      return out;
    }
    case 'array': {
      // At least one element even when none is required: 2.x forbids [] for an empty field.
      let count = Math.max(node.minItems ?? 0, 1);
      if (node.maxItems !== undefined) count = Math.min(count, node.maxItems);
      const items = node.items ?? {};
      return Array.from({ length: count }, () => build(root, items, options, depth + 1));
    }
    case 'string':
      return exampleString(node);
    case 'integer':
    case 'number':
      return exampleNumber(node, type === 'integer');
    case 'boolean':
      return false;
    case 'null':
      return null;
    case undefined:
      // An unconstrained schema (2.x DataTransfer `data`): any JSON value is valid.
      return 'any value';
    default:
      throw new Error(`example-from-schema: cannot build type ${type}`);
  }
}

function exampleString(node: SchemaNode): string {
  let s: string;
  switch (node.format) {
    case undefined:
      s = 'x'.repeat(Math.max(node.minLength ?? 0, 1));
      break;
    case 'date-time':
      s = EXAMPLE_DATE_TIME;
      break;
    case 'uri':
      s = EXAMPLE_URI;
      break;
    default:
      throw new Error(`example-from-schema: unsupported format ${node.format}`);
  }
  if (node.maxLength !== undefined && [...s].length > node.maxLength) {
    if (node.format !== undefined)
      throw new Error(`example-from-schema: ${node.format} cannot fit ${node.maxLength}`);
    s = 'x'.repeat(node.maxLength);
  }
  return s;
}

function exampleNumber(node: SchemaNode, integer: boolean): number {
  let lo = node.minimum ?? -Infinity;
  if (node.exclusiveMinimum !== undefined) lo = Math.max(lo, node.exclusiveMinimum + (integer ? 1 : 0.5));
  let hi = node.maximum ?? Infinity;
  if (node.exclusiveMaximum !== undefined) hi = Math.min(hi, node.exclusiveMaximum - (integer ? 1 : 0.5));
  let v = Math.min(Math.max(0, lo), hi);
  if (integer) v = Math.ceil(v);
  if (node.multipleOf !== undefined) v = Math.ceil(v / node.multipleOf) * node.multipleOf;
  if (v < lo || v > hi) throw new Error(`example-from-schema: no number in [${lo}, ${hi}]`);
  return v;
}

/** What a mutation breaks; used to cap how many of each kind run per schema. */
export type MutationCategory =
  | 'required'
  | 'unknown-key'
  | 'type'
  | 'enum'
  | 'max-length'
  | 'date-time'
  | 'range'
  | 'items';

/** One edit of a valid example and the fault it must be reported as. */
export interface Mutation {
  /** Where the offending field is (for an unknown key: the object that gains it). */
  readonly path: readonly (string | number)[];
  readonly label: string;
  readonly category: MutationCategory;
  readonly expect:
    | 'OccurrenceConstraintViolation'
    | 'TypeConstraintViolation'
    | 'PropertyConstraintViolation'
    | 'FormatViolation';
  /** Apply to a deep copy of the example. */
  readonly apply: (root: Record<string, unknown>) => void;
}

export interface MutationOptions {
  /**
   * Mutate every place a constraint occurs in the example. By default each constraint of each
   * schema node is mutated once, at its first occurrence: a definition reused in many places
   * (2.1 tariffs, charging schedules) would otherwise repeat the same check hundreds of times.
   */
  readonly everyOccurrence?: boolean;
  /**
   * At most this many mutations per category, picked evenly from shallow to deep. Big 2.1
   * schemas yield hundreds of targets, and a rejected payload costs ~0.5 ms to validate.
   */
  readonly perCategory?: number;
}

export const UNKNOWN_KEY = 'notInTheSchema';

/**
 * The single-edit mutations of `example` (built from `root`) whose fault the schema fixes:
 * delete a required property, give a field a wrong type, a value outside its enum, a string one
 * character too long, a number out of range, an array outside its item bounds, a bad date-time,
 * or an unknown key where additionalProperties is false.
 */
export function mutationsOf(root: SchemaNode, example: unknown, options: MutationOptions = {}): Mutation[] {
  const all: Mutation[] = [];
  const seen = new WeakMap<SchemaNode, Set<string>>();
  const add = (node: SchemaNode, what: string, m: Mutation) => {
    if (!options.everyOccurrence) {
      let whats = seen.get(node);
      if (!whats) {
        whats = new Set();
        seen.set(node, whats);
      }
      if (whats.has(what)) return;
      whats.add(what);
    }
    all.push(m);
  };
  walk(root, root, example, [], add);
  const cap = options.perCategory;
  if (cap === undefined) return all;
  const byCategory = new Map<MutationCategory, Mutation[]>();
  for (const m of all) byCategory.set(m.category, [...(byCategory.get(m.category) ?? []), m]);
  const picked = new Set<Mutation>();
  for (const list of byCategory.values()) {
    const n = Math.min(cap, list.length);
    for (let i = 0; i < n; i++) picked.add(list[Math.floor((i * list.length) / n)]!);
  }
  return all.filter((m) => picked.has(m));
}

type Add = (node: SchemaNode, what: string, m: Mutation) => void;

function walk(root: SchemaNode, raw: SchemaNode, value: unknown, path: (string | number)[], add: Add): void {
  const node = resolve(root, raw);
  const where = path.length ? path.join('.') : '(payload)';
  const set = (category: MutationCategory, label: string, expect: Mutation['expect'], v: unknown) =>
    add(node, label, {
      path,
      label: `${label} at ${where}`,
      category,
      expect,
      apply: (r) => setAt(r, path, v),
    });

  if (node.enum) {
    if (typeof node.enum[0] === 'string') {
      set('enum', 'value outside enum', 'PropertyConstraintViolation', 'NotAValue');
      set('type', 'number for enum string', 'TypeConstraintViolation', 42);
    }
    return;
  }
  const type = typeOf(node) ?? (node.properties ? 'object' : undefined);
  switch (type) {
    case 'object': {
      const obj = value as Record<string, unknown>;
      for (const r of node.required ?? []) {
        const at = [...path, r];
        add(node, `required ${r}`, {
          path: at,
          label: `required ${at.join('.')} deleted`,
          category: 'required',
          expect: 'OccurrenceConstraintViolation',
          apply: (root) => deleteAt(root, at),
        });
      }
      if (node.additionalProperties === false) {
        add(node, 'unknown key', {
          path,
          label: `unknown key in ${where}`,
          category: 'unknown-key',
          expect: 'FormatViolation',
          apply: (root) => setAt(root, [...path, UNKNOWN_KEY], 1),
        });
      }
      if (path.length > 0) set('type', 'string for object', 'TypeConstraintViolation', 'an object');
      for (const [name, sub] of Object.entries(node.properties ?? {})) {
        if (name in obj) walk(root, sub, obj[name], [...path, name], add);
      }
      return;
    }
    case 'array': {
      const arr = value as unknown[];
      const minItems = node.minItems ?? 0;
      if (minItems >= 1) set('items', `fewer than ${minItems} items`, 'OccurrenceConstraintViolation', []);
      if (node.maxItems !== undefined && node.maxItems <= 64 && arr.length > 0) {
        const tooMany = Array(node.maxItems + 1).fill(arr[0]);
        set('items', `more than ${node.maxItems} items`, 'OccurrenceConstraintViolation', tooMany);
      }
      set('type', 'object for array', 'TypeConstraintViolation', { not: 'an array' });
      arr.forEach((item, i) => {
        walk(root, node.items ?? {}, item, [...path, i], add);
      });
      return;
    }
    case 'string': {
      set('type', 'number for string', 'TypeConstraintViolation', 42);
      if (node.maxLength !== undefined) {
        const tooLong = 'y'.repeat(node.maxLength + 1);
        set('max-length', `string of ${node.maxLength + 1} chars`, 'PropertyConstraintViolation', tooLong);
      }
      if (node.format === 'date-time') set('date-time', 'bad date-time', 'FormatViolation', 'yesterday');
      return;
    }
    case 'integer':
    case 'number': {
      set('type', `string for ${type}`, 'TypeConstraintViolation', '7');
      if (type === 'integer')
        set('type', 'fraction for integer', 'TypeConstraintViolation', (value as number) + 0.5);
      if (node.maximum !== undefined)
        set('range', 'above maximum', 'PropertyConstraintViolation', node.maximum + 1);
      if (node.minimum !== undefined)
        set('range', 'below minimum', 'PropertyConstraintViolation', node.minimum - 1);
      return;
    }
    case 'boolean':
      set('type', 'string for boolean', 'TypeConstraintViolation', 'true');
      return;
    default:
      return;
  }
}

function parentOf(
  root: Record<string, unknown>,
  path: readonly (string | number)[],
): Record<string | number, unknown> {
  let v: unknown = root;
  for (const p of path.slice(0, -1)) v = (v as Record<string | number, unknown>)[p];
  return v as Record<string | number, unknown>;
}

function setAt(root: Record<string, unknown>, path: readonly (string | number)[], value: unknown): void {
  if (path.length === 0) throw new Error('cannot replace the whole payload');
  parentOf(root, path)[path[path.length - 1]!] = value;
}

function deleteAt(root: Record<string, unknown>, path: readonly (string | number)[]): void {
  delete parentOf(root, path)[path[path.length - 1]!];
}
