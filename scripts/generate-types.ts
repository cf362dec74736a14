/**
 * Writes src/protocol/generated/<version>.ts: one interface per request/response schema, the shared
 * definitions once, and an action map carrying each action's direction, so that the type checker can
 * refuse a CALL that the spec does not allow a side to send.
 *
 * Usage: npm run generate [-- <outDir>]   (the test regenerates into a temp dir and diffs)
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';
import { ACTIONS } from '../src/protocol/actions.js';
import { type PayloadKind, schemaFor, schemasOf } from '../src/protocol/schemas.js';
import { OCPP_VERSIONS, type OcppVersion } from '../src/protocol/versions.js';

type Schema = Parameters<typeof compile>[0];

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const COMPILE_OPTIONS: Parameters<typeof compile>[2] = {
  bannerComment: '',
  // Plain arrays: `[T, ...T[]]` tuples for minItems would make every `.map()` result unassignable, and
  // the runtime validator enforces the bounds anyway. jstt still notes them in the JSDoc.
  ignoreMinAndMaxItems: true,
  // Same look as the hand-written code, although Biome does not check this folder.
  style: {
    singleQuote: true,
    printWidth: 110,
    tabWidth: 2,
    semi: true,
    trailingComma: 'all',
    bracketSpacing: true,
  },
};

/** Schema keywords the OCA/ocpp-rpc bundles carry that mean nothing to a type. */
const NOISE = ['$schema', '$id', '$comment', 'comment', 'javaType'];

/** `ocpp2.0.1` -> `Ocpp201Actions`. */
function mapName(version: OcppVersion): string {
  return `Ocpp${version.slice(4).replaceAll('.', '')}Actions`;
}

function typeName(action: string, kind: PayloadKind): string {
  return `${action}${kind === 'request' ? 'Request' : 'Response'}`;
}

/** Code-unit order: localeCompare would make the output depend on the machine's ICU data. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Visits `schema` and every subschema under it, parent first. Keys of `properties` are names, not keywords. */
function eachSchema(schema: Schema, visit: (s: Schema) => void): void {
  visit(schema);
  for (const key of ['properties', 'definitions', 'patternProperties']) {
    for (const sub of Object.values((schema[key] ?? {}) as Record<string, Schema>)) eachSchema(sub, visit);
  }
  for (const key of ['items', 'additionalItems', 'additionalProperties', 'not', 'anyOf', 'oneOf', 'allOf']) {
    const sub: unknown = schema[key];
    if (Array.isArray(sub)) for (const s of sub) eachSchema(s, visit);
    else if (sub && typeof sub === 'object') eachSchema(sub as Schema, visit);
  }
}

/** JSON with sorted keys, so that two copies of a definition compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => byCodeUnit(a, b)))
      : v,
  );
}

function withoutDocs(schema: Schema): Schema {
  const copy = structuredClone(schema);
  eachSchema(copy, (s) => delete s.description);
  return copy;
}

function refName(ref: string): string {
  const m = /^#\/definitions\/([A-Za-z0-9_]+)$/.exec(ref);
  if (!m) throw new Error(`unsupported $ref ${ref}: only local #/definitions/X refs are handled`);
  return m[1]!;
}

/** One request or response schema, with its own copy of the definitions it uses. */
interface Payload {
  name: string;
  body: Schema;
  defs: Record<string, Schema>;
  refCounts: Map<string, number>;
}

/** The OCA text is AsciiDoc with CRLFs, trailing blank lines and HTML-escaped `<<xref,Label>>`s. */
function tidy(doc: string): string {
  return doc
    .replace(/\r\n/g, '\n')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+$/gm, '')
    .trim();
}

function payload(name: string, schema: Schema): Payload {
  let body = structuredClone(schema);
  eachSchema(body, (s) => {
    for (const k of NOISE) delete s[k];
    if (typeof s.description === 'string') s.description = tidy(s.description);
    // 2.x DataTransfer `data` is `{ description }` alone: any JSON value. jstt would type it as an object.
    if (Object.keys(s).every((k) => k === 'description')) s.tsType = 'unknown';
  });
  // jstt would emit `interface X {}`, which accepts any object; the schema accepts only `{}`.
  if (body.additionalProperties === false && Object.keys(body.properties ?? {}).length === 0) {
    body = { tsType: 'Record<string, never>', description: body.description };
  }
  const defs = (body.definitions ?? {}) as Record<string, Schema>;
  delete body.definitions;
  const refCounts = new Map<string, number>();
  for (const s of [body, ...Object.values(defs)]) {
    eachSchema(s, (x) => {
      if (typeof x.$ref === 'string')
        refCounts.set(refName(x.$ref), (refCounts.get(refName(x.$ref)) ?? 0) + 1);
    });
  }
  return { name, body, defs, refCounts };
}

/**
 * Every payload carries its own copy of each definition it uses, so one file would declare `IdTokenType`
 * dozens of times. The copies agree on structure (checked: a disagreement aborts the run) but often not on
 * `description`, because the OCA generator hoists the description of the *property* that refers to a
 * definition into the definition. So a definition keeps its description only when every copy agrees;
 * otherwise the description goes back to the referring property, when that is unambiguous (a single
 * reference in the payload). A `$ref` becomes a `tsType` so that jstt emits a reference, not a copy.
 */
async function generate(version: OcppVersion): Promise<string> {
  const catalog = [...ACTIONS[version]].sort(([a], [b]) => byCodeUnit(a, b));
  const known = new Set(catalog.map(([a]) => a));
  for (const key of schemasOf(version).keys()) {
    const action = key.slice(0, key.lastIndexOf('/'));
    if (!known.has(action)) throw new Error(`${version}: schema for ${action} but no direction in ACTIONS`);
  }

  const payloads: Payload[] = [];
  for (const [action, info] of catalog) {
    for (const kind of ['request', 'response'] as const) {
      const schema = schemaFor(version, action, kind);
      if (kind === 'response' && info.sendOnly) {
        if (schema) throw new Error(`${version}: SEND-only ${action} has a response schema`);
        continue;
      }
      if (!schema) throw new Error(`${version}: no ${kind} schema for ${action}`);
      payloads.push(payload(typeName(action, kind), schema));
    }
  }

  const copies = new Map<string, { owner: Payload; def: Schema }[]>();
  for (const owner of payloads) {
    for (const [name, def] of Object.entries(owner.defs)) {
      copies.set(name, [...(copies.get(name) ?? []), { owner, def }]);
    }
  }
  const sharedDoc = new Set<string>();
  for (const [name, list] of copies) {
    if (new Set(list.map(({ def }) => canonical(withoutDocs(def)))).size > 1) {
      throw new Error(`${version}: definitions named ${name} differ in structure; they need namespacing`);
    }
    if (new Set(list.map(({ def }) => def.description)).size === 1) sharedDoc.add(name);
    if (payloads.some((p) => p.name === name))
      throw new Error(`${version}: definition ${name} shadows a payload`);
  }

  const linked = (schema: Schema, owner: Payload, moveDocs: boolean): Schema => {
    const copy = structuredClone(schema);
    eachSchema(copy, (s) => {
      if (typeof s.$ref !== 'string') return;
      const name = refName(s.$ref);
      delete s.$ref;
      s.tsType = name;
      const doc = owner.defs[name]?.description;
      if (moveDocs && doc && !sharedDoc.has(name) && owner.refCounts.get(name) === 1) s.description = doc;
    });
    return copy;
  };

  const declarations: { name: string; schema: Schema }[] = payloads.map((p) => ({
    name: p.name,
    schema: linked(p.body, p, true),
  }));
  for (const name of [...copies.keys()].sort(byCodeUnit)) {
    const list = copies.get(name)!;
    const variants = (moveDocs: boolean) =>
      list.map(({ owner, def }) => {
        const own = sharedDoc.has(name) ? def : { ...def, description: undefined };
        return linked(own, owner, moveDocs);
      });
    // A description moved into a shared definition may differ between payloads (DERUnitEnumType in 2.1:
    // "Unit of the Y-axis…" vs "Unit of the setpoint"); then that definition goes without the moved ones.
    let chosen = variants(true);
    if (new Set(chosen.map(canonical)).size > 1) chosen = variants(false);
    if (new Set(chosen.map(canonical)).size > 1) throw new Error(`${version}: copies of ${name} differ`);
    declarations.push({ name, schema: chosen[0]! });
  }

  const bodies: string[] = [];
  for (const { name, schema } of declarations) {
    const ts = (await compile(schema, name, COMPILE_OPTIONS)).trim();
    const declared = [...ts.matchAll(/^export (?:interface|type) (\w+)/gm)].map((m) => m[1]);
    if (declared.length !== 1 || declared[0] !== name) {
      throw new Error(`${version}: compiling ${name} declared ${declared.join(', ') || 'nothing'}`);
    }
    bodies.push(ts);
  }

  const entries = catalog.map(([action, info]) => {
    const response = info.sendOnly ? 'never' : typeName(action, 'response');
    const send = info.sendOnly ? '; send: true' : '';
    return `  ${action}: { request: ${typeName(action, 'request')}; response: ${response}; direction: '${info.direction}'${send} };`;
  });

  const file = `src/protocol/schemas/${version}.json`;
  const sha256 = createHash('sha256')
    .update(readFileSync(resolve(ROOT, file)))
    .digest('hex');
  const notices = new Set(
    [...schemasOf(version).values()].map((s) => s.comment).filter((c) => typeof c === 'string'),
  );
  return [
    '/**',
    ` * GENERATED by scripts/generate-types.ts (\`npm run generate\`): do not edit.`,
    ` * Source: ${file} (sha256 ${sha256}),`,
    ' * the official OCA JSON schemas, and the directions in src/protocol/actions.ts.',
    ...[...notices].map((n) => ` * Schema notice: ${n}`),
    ' */',
    '',
    `${bodies.join('\n\n')}\n`,
    `/** Every ${version} action: its payload types and who may send the CALL. */`,
    `export interface ${mapName(version)} {`,
    ...entries,
    '}',
    '',
  ].join('\n');
}

const outDir = resolve(process.argv[2] ?? resolve(ROOT, 'src/protocol/generated'));
mkdirSync(outDir, { recursive: true });
for (const version of OCPP_VERSIONS) {
  writeFileSync(resolve(outDir, `${version}.ts`), await generate(version));
}
