/**
 * The options tables of README.md, generated from the factories' zod schemas so they cannot drift:
 * types and defaults come from the schemas, descriptions from the doc comments on their properties (and
 * the type names of `z.custom<T>` from the source). `npm run docs:options` rewrites README.md between the
 * `<!-- options:NAME -->` markers; test/docs/options-table.test.ts fails when the README is stale.
 *
 * Where the schemas live (re-point here when they move):
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type * as z from 'zod';

const FACTORIES = [
  { name: 'createCsms', file: 'src/actors/options.ts', schema: 'optionsSchema' },
  { name: 'createStation', file: 'src/client/options.ts', schema: 'optionsSchema' },
] as const;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const README = join(ROOT, 'README.md');

interface Row {
  name: string;
  type: string;
  default: string;
  description: string;
}

/** What the source says about each property path: its doc comment and, for `z.custom<T>`, T. */
type SourceInfo = Map<string, { doc: string; typeName?: string }>;

type Def = {
  type: string;
  innerType?: z.ZodType;
  defaultValue?: unknown;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
  values?: unknown[];
  entries?: Record<string, string>;
  checks?: { _zod: { def: { format?: string } } }[];
};
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Peel default/prefault/optional/pipe: the schema underneath, its default, and whether it may be left out. */
function peel(schema: z.ZodType): { core: z.ZodType; default?: unknown; optional: boolean } {
  let s = schema;
  let value: unknown;
  let hasDefault = false;
  let optional = false;
  for (;;) {
    const d = defOf(s);
    if (d.type === 'default' || d.type === 'prefault') {
      if (!hasDefault) value = d.defaultValue;
      hasDefault = true;
      s = d.innerType!;
    } else if (d.type === 'optional') {
      optional = true;
      s = d.innerType!;
    } else if (d.type === 'pipe') s = d.in!;
    else break;
  }
  return { core: s, ...(hasDefault && { default: value }), optional: optional || hasDefault };
}

function typeText(schema: z.ZodType, customName: string | undefined): string {
  const d = defOf(peel(schema).core);
  switch (d.type) {
    case 'number':
      return d.checks?.some((c) => c._zod.def.format?.includes('int')) ? 'integer' : 'number';
    case 'literal':
      return d.values!.map((v) => JSON.stringify(v)).join(' | ');
    case 'enum':
      return Object.values(d.entries!)
        .map((v) => `'${v}'`)
        .join(' | ');
    case 'array': {
      const inner = typeText(d.element!, customName);
      return inner.includes(' ') ? `(${inner})[]` : `${inner}[]`;
    }
    case 'union':
      return [...new Set(d.options!.map((o) => typeText(o, customName)))].join(' | ');
    case 'object':
      return 'object';
    case 'custom': {
      const bag = (peel(schema).core as unknown as { _zod: { bag: { Class?: { name: string } } } })._zod.bag;
      return bag.Class?.name ?? customName ?? 'object';
    }
    default:
      return d.type;
  }
}

/** A default as it would be written in TypeScript: `30_000`, `['ocpp2.1']`, `{ burst: 200 }`. */
function defaultText(value: unknown): string {
  if (typeof value === 'number')
    return value >= 10_000 ? value.toLocaleString('en-US').replaceAll(',', '_') : String(value);
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(defaultText).join(', ')}]`;
  if (value && typeof value === 'object') {
    const fields = Object.entries(value).map(([k, v]) => `${k}: ${defaultText(v)}`);
    return fields.length ? `{ ${fields.join(', ')} }` : '{}';
  }
  return String(value);
}

function rows(shape: Record<string, z.ZodType>, info: SourceInfo, prefix = ''): Row[] {
  const out: Row[] = [];
  for (const [key, schema] of Object.entries(shape)) {
    const path = `${prefix}${key}`;
    const p = peel(schema);
    const source = info.get(path);
    out.push({
      name: path,
      type: typeText(schema, source?.typeName),
      default: 'default' in p ? defaultText(p.default) : p.optional ? '–' : 'required',
      description: source?.doc ?? '',
    });
    // Nested objects (also one side of a union, like `breaker: false | {…}`) get a row per field.
    const core = defOf(p.core);
    const objects =
      core.type === 'object'
        ? [p.core]
        : core.type === 'union'
          ? core.options!.filter((o) => defOf(peel(o).core).type === 'object')
          : [];
    for (const o of objects) out.push(...rows(defOf(peel(o).core).shape!, info, `${path}.`));
  }
  return out;
}

// --- the source side: doc comments and z.custom<T> type names -------------------------------------------

const parsed = new Map<string, ts.SourceFile>();
function sourceFile(file: string): ts.SourceFile {
  let sf = parsed.get(file);
  if (!sf) {
    sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    parsed.set(file, sf);
  }
  return sf;
}

/** The initializer of `const name = …` in `file`, following one import if it is declared elsewhere. */
function declaration(file: string, name: string): { file: string; init: ts.Expression } | undefined {
  const sf = sourceFile(file);
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations)
        if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer)
          return { file, init: d.initializer };
    }
    if (
      ts.isImportDeclaration(st) &&
      ts.isStringLiteral(st.moduleSpecifier) &&
      st.moduleSpecifier.text.startsWith('.')
    ) {
      const bindings = st.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings) && bindings.elements.some((e) => e.name.text === name))
        return declaration(resolve(dirname(file), st.moduleSpecifier.text.replace(/\.js$/, '.ts')), name);
    }
  }
  return undefined;
}

/** The object literal given to z.object / z.strictObject in `node` (or in the schema an identifier names). */
function objectLiteralIn(
  node: ts.Node,
  file: string,
): { file: string; literal: ts.ObjectLiteralExpression } | undefined {
  let found: { file: string; literal: ts.ObjectLiteralExpression } | undefined;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (
      ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      /^(object|strictObject|looseObject)$/.test(n.expression.name.text) &&
      n.arguments[0] &&
      ts.isObjectLiteralExpression(n.arguments[0])
    ) {
      found = { file, literal: n.arguments[0] };
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  if (found) return found;
  // `tls: tlsOptionsSchema.optional()`: the chain starts at an identifier declared here or imported.
  let root: ts.Node = node;
  while (ts.isCallExpression(root) || ts.isPropertyAccessExpression(root))
    root = ts.isCallExpression(root) ? root.expression : root.expression;
  if (ts.isIdentifier(root)) {
    const d = declaration(file, root.text);
    if (d && d.init !== node) return objectLiteralIn(d.init, d.file);
  }
  return undefined;
}

function collect(literal: ts.ObjectLiteralExpression, file: string, info: SourceInfo, prefix = ''): void {
  for (const p of literal.properties) {
    if (!ts.isPropertyAssignment(p) || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) continue;
    const path = `${prefix}${p.name.text}`;
    const doc = ts
      .getJSDocCommentsAndTags(p)
      .map((j) => (ts.isJSDoc(j) ? (ts.getTextOfJSDocComment(j.comment) ?? '') : ''))
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim();
    let typeName: string | undefined;
    const findType = (n: ts.Node): void => {
      if (typeName) return;
      if (ts.isCallExpression(n) && n.typeArguments?.[0]) typeName = n.typeArguments[0].getText();
      else ts.forEachChild(n, findType);
    };
    findType(p.initializer);
    info.set(path, { doc, ...(typeName && { typeName }) });
    const nested = objectLiteralIn(p.initializer, file);
    if (nested) collect(nested.literal, nested.file, info, `${path}.`);
  }
}

function sourceInfo(file: string, schemaName: string): SourceInfo {
  const info: SourceInfo = new Map();
  const d = declaration(file, schemaName);
  const top = d && objectLiteralIn(d.init, d.file);
  if (!top) throw new Error(`${file}: no z.object literal for ${schemaName}`);
  collect(top.literal, top.file, info);
  return info;
}

// --- the tables ----------------------------------------------------------------------------------------

const cell = (text: string) => text.replaceAll('|', '\\|');

export async function optionsTables(): Promise<Map<string, string>> {
  const tables = new Map<string, string>();
  for (const f of FACTORIES) {
    const file = join(ROOT, f.file);
    const mod = (await import(file)) as Record<string, z.ZodObject>;
    const schema = mod[f.schema];
    if (!schema) throw new Error(`${f.file} does not export ${f.schema}`);
    const table = [
      '| option | type | default | what it does |',
      '|---|---|---|---|',
      ...rows(defOf(schema).shape!, sourceInfo(file, f.schema)).map(
        (r) =>
          `| \`${r.name}\` | \`${cell(r.type)}\` | ${r.default === '–' || r.default === 'required' ? r.default : `\`${cell(r.default)}\``} | ${cell(r.description)} |`,
      ),
    ].join('\n');
    tables.set(f.name, table);
  }
  return tables;
}

/** `readme` with each `<!-- options:NAME -->` … `<!-- /options:NAME -->` block replaced by its table. */
export function withTables(readme: string, tables: Map<string, string>): string {
  let out = readme;
  for (const [name, table] of tables) {
    const pattern = new RegExp(`(<!-- options:${name} -->\\n)[\\s\\S]*?(<!-- /options:${name} -->)`);
    if (!pattern.test(out)) throw new Error(`README.md has no <!-- options:${name} --> block`);
    out = out.replace(pattern, (_, open: string, close: string) => `${open}${table}\n${close}`);
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const readme = readFileSync(README, 'utf8');
  const next = withTables(readme, await optionsTables());
  if (next !== readme) writeFileSync(README, next);
  console.log(
    next === readme ? 'README.md options tables are up to date' : 'README.md options tables rewritten',
  );
}
