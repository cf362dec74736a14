import { h } from './dom.js';

type Schema = Record<string, unknown> & {
  type?: string;
  enum?: string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  $ref?: string;
  minItems?: number;
  maxLength?: number;
  description?: string;
  format?: string;
};

interface Field {
  readonly el: HTMLElement;
  /** The value, or undefined when left empty (the property is then omitted). */
  value(): unknown;
  problems(): string[];
}

/** Fields omitted from forms: vendor extension points no operator fills in by hand. */
const SKIPPED = new Set(['customData']);

function resolve(schema: Schema, root: Schema): Schema {
  let s = schema;
  for (let i = 0; s.$ref && i < 10; i++) {
    const name = s.$ref.replace(/^#\/definitions\//, '');
    s = { ...((root.definitions as Record<string, Schema> | undefined)?.[name] ?? {}), ...withoutRef(s) };
  }
  return s;
}
const withoutRef = ({ $ref: _, ...rest }: Schema) => rest;

/**
 * A form generated from an action's request schema (the station's version): objects, enums, strings,
 * numbers, booleans and arrays of them, required fields marked. The server validates against the same
 * schema before anything is sent.
 */
export function schemaForm(schema: Schema): Field {
  return field(schema, schema, '', true, '');
}

function field(raw: Schema, root: Schema, name: string, required: boolean, path: string): Field {
  const schema = resolve(raw, root);
  const label = (input: HTMLElement) =>
    h(
      'label',
      { class: 'field', title: schema.description ?? '' },
      h('span', { class: 'name' }, name, required ? h('span', { class: 'req' }, ' *') : null),
      input,
    );
  const missing = (v: unknown) => (required && v === undefined ? [`${path || name} is required`] : []);

  if (schema.type === 'object' || schema.properties) {
    const children = Object.entries(schema.properties ?? {})
      .filter(([k]) => !SKIPPED.has(k))
      .map(
        ([k, v]) =>
          [k, field(v, root, k, schema.required?.includes(k) ?? false, path ? `${path}.${k}` : k)] as const,
      );
    const el = name
      ? h(
          'fieldset',
          {},
          h('legend', {}, name, required ? h('span', { class: 'req' }, ' *') : null),
          ...children.map(([, f]) => f.el),
        )
      : h('div', { class: 'fields' }, ...children.map(([, f]) => f.el));
    const value = () => {
      const out: Record<string, unknown> = {};
      for (const [k, f] of children) {
        const v = f.value();
        if (v !== undefined) out[k] = v;
      }
      return Object.keys(out).length || required ? out : undefined;
    };
    return {
      el,
      value,
      // A nested optional object left empty is omitted whole: its required fields are not asked for.
      problems: () => (value() === undefined ? [] : children.flatMap(([, f]) => f.problems())),
    };
  }
  if (schema.type === 'array' && schema.items) {
    const items: Field[] = [];
    const list = h('div', { class: 'items' });
    const add = () => {
      const f = field(schema.items!, root, `${name}[${items.length}]`, true, `${path}[${items.length}]`);
      const remove = h('button', { type: 'button', class: 'small' }, '×');
      const wrap = h('div', { class: 'item' }, f.el, remove);
      remove.addEventListener('click', () => {
        items.splice(items.indexOf(f), 1);
        wrap.remove();
      });
      items.push(f);
      list.append(wrap);
    };
    if (required && (schema.minItems ?? 1) > 0) add();
    const more = h('button', { type: 'button', class: 'small' }, `+ ${name} item`);
    more.addEventListener('click', add);
    const el = h(
      'fieldset',
      {},
      h('legend', {}, name, required ? h('span', { class: 'req' }, ' *') : null),
      list,
      more,
    );
    const value = () => (items.length ? items.map((f) => f.value()) : required ? [] : undefined);
    return {
      el,
      value,
      problems: () => [
        ...items.flatMap((f) => f.problems()),
        ...(required && items.length < (schema.minItems ?? 0)
          ? [`${path} needs ${schema.minItems} item(s)`]
          : []),
      ],
    };
  }
  if (schema.enum) {
    const select = h(
      'select',
      { name: path },
      required ? null : h('option', { value: '' }, '—'),
      ...schema.enum.map((v) => h('option', { value: v }, v)),
    );
    const value = () => (select.value === '' ? undefined : select.value);
    return { el: label(select), value, problems: () => missing(value()) };
  }
  if (schema.type === 'boolean') {
    const select = h(
      'select',
      { name: path },
      h('option', { value: '' }, '—'),
      h('option', { value: 'true' }, 'true'),
      h('option', { value: 'false' }, 'false'),
    );
    const value = () => (select.value === '' ? undefined : select.value === 'true');
    return { el: label(select), value, problems: () => missing(value()) };
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    const input = h('input', { type: 'number', name: path, step: schema.type === 'integer' ? 1 : 'any' });
    const value = () => (input.value.trim() === '' ? undefined : Number(input.value));
    return {
      el: label(input),
      value,
      problems: () => {
        const v = value();
        if (v === undefined) return missing(v);
        if (Number.isNaN(v) || (schema.type === 'integer' && !Number.isInteger(v)))
          return [`${path} must be ${schema.type === 'integer' ? 'an integer' : 'a number'}`];
        return [];
      },
    };
  }
  if (schema.type === 'string') {
    const input = h('input', {
      type: 'text',
      name: path,
      maxlength: schema.maxLength,
      placeholder: schema.format === 'date-time' ? new Date().toISOString() : '',
    });
    const value = () => (input.value === '' ? undefined : input.value);
    return { el: label(input), value, problems: () => missing(value()) };
  }
  // Anything else (free-form objects, unions): JSON typed by hand.
  const area = h('textarea', { name: path, rows: 2, placeholder: 'JSON' });
  const value = () => {
    if (area.value.trim() === '') return undefined;
    try {
      return JSON.parse(area.value) as unknown;
    } catch {
      return area.value;
    }
  };
  return { el: label(area), value, problems: () => missing(value()) };
}
