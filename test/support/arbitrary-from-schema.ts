/**
 * fast-check arbitraries for OCPP payloads, built from the official JSON schemas with the same keyword
 * coverage as example-from-schema.ts (which refuses any keyword it does not understand). Values stay
 * small: strings up to 12 characters unless the schema demands more, arrays up to 3 items, optional
 * properties present or not at random.
 */
import fc from 'fast-check';
import { resolve, type SchemaNode, typeOf } from './example-from-schema.js';

const MAX_DEPTH = 24;
const MAX_ITEMS = 3;
const MAX_STRING = 12;

const dateTime = fc
  .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) })
  .map((ms) => new Date(ms).toISOString());
const uri = fc.constantFrom(
  'https://example.com/fw.bin',
  'ftp://files.example.com/logs/',
  'https://a.example/x?y=1',
);

/**
 * Where a schema says only "string" but the spec lists the values (2.1 idToken types, charging limit
 * sources): an arbitrary per `Definition.property` or bare `property` name, used instead of the schema's.
 */
export type Hints = Readonly<Record<string, fc.Arbitrary<unknown>>>;

export function arbitraryFromSchema(root: SchemaNode, hints: Hints = {}): fc.Arbitrary<unknown> {
  return build(root, root, 0, hints, '');
}

function build(
  root: SchemaNode,
  raw: SchemaNode,
  depth: number,
  hints: Hints,
  definition: string,
): fc.Arbitrary<unknown> {
  if (depth > MAX_DEPTH) throw new Error('arbitrary-from-schema: schema too deep');
  const ref = raw.$ref !== undefined ? /^#\/definitions\/(.+)$/.exec(raw.$ref)?.[1] : undefined;
  const def = ref ?? definition;
  const node = resolve(root, raw);
  if (node.const !== undefined) return fc.constant(node.const);
  if (node.enum) return fc.constantFrom(...node.enum);
  const type = typeOf(node) ?? (node.properties ? 'object' : undefined);
  switch (type) {
    case 'object': {
      const props = node.properties ?? {};
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      // customData is vendor extension space every 2.x type carries; leaving it out keeps runs readable.
      for (const [name, sub] of Object.entries(props)) {
        if (name === 'customData') continue;
        model[name] = hints[`${def}.${name}`] ?? hints[name] ?? build(root, sub, depth + 1, hints, def);
      }
      return fc.record(model, { requiredKeys: (node.required ?? []).filter((k) => k in model) });
    }
    case 'array': {
      const minLength = Math.max(node.minItems ?? 0, 1);
      const maxLength = Math.max(minLength, Math.min(node.maxItems ?? MAX_ITEMS, MAX_ITEMS));
      return fc.array(build(root, node.items ?? {}, depth + 1, hints, def), { minLength, maxLength });
    }
    case 'string': {
      if (node.format === 'date-time') return dateTime;
      if (node.format === 'uri') return uri;
      if (node.format !== undefined)
        throw new Error(`arbitrary-from-schema: unsupported format ${node.format}`);
      const minLength = node.minLength ?? 0;
      const maxLength = Math.max(minLength, Math.min(node.maxLength ?? MAX_STRING, MAX_STRING));
      // Either a short string or one at the schema's maximum length, where truncation bugs live.
      const atMax =
        node.maxLength !== undefined && node.maxLength <= 64
          ? [fc.string({ minLength: node.maxLength, maxLength: node.maxLength })]
          : [];
      return fc.oneof(fc.string({ minLength, maxLength }), ...atMax);
    }
    case 'integer': {
      const min = Math.max(
        node.minimum ?? -1_000_000,
        node.exclusiveMinimum !== undefined ? node.exclusiveMinimum + 1 : -Infinity,
      );
      const max = Math.min(
        node.maximum ?? 1_000_000,
        node.exclusiveMaximum !== undefined ? node.exclusiveMaximum - 1 : Infinity,
      );
      return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
    }
    case 'number': {
      const min = node.minimum ?? -1_000_000;
      const max = node.maximum ?? 1_000_000;
      if (node.multipleOf !== undefined) {
        const step = node.multipleOf;
        return fc
          .integer({ min: Math.ceil(min / step), max: Math.floor(max / step) })
          .map((n) => Number((n * step).toFixed(6)));
      }
      return fc.oneof(
        fc.integer({ min: Math.ceil(min), max: Math.floor(max) }),
        fc.double({ min, max, noNaN: true, noDefaultInfinity: true }),
      );
    }
    case 'boolean':
      return fc.boolean();
    case undefined:
      return fc.jsonValue({ maxDepth: 2 });
    default:
      throw new Error(`arbitrary-from-schema: cannot build type ${type}`);
  }
}
