import { readFileSync } from 'node:fs';
import type { OcppVersion } from './versions.js';

export type PayloadKind = 'request' | 'response';
export type JsonSchema = Record<string, unknown> & { $id?: string };

/**
 * The official OCA JSON schemas, as bundled by ocpp-rpc 2.2.1 (see schemas/PROVENANCE.md).
 * Read on first use of a version: 2.1 alone is 1 MB of JSON that a 1.6-only CSMS never needs.
 */
const FILES: Record<OcppVersion, string> = {
  'ocpp1.6': 'ocpp1.6.json',
  'ocpp2.0.1': 'ocpp2.0.1.json',
  'ocpp2.1': 'ocpp2.1.json',
};

const loaded = new Map<OcppVersion, ReadonlyMap<string, JsonSchema>>();

function key(action: string, kind: PayloadKind): string {
  return `${action}/${kind}`;
}

/** `urn:X.req` / `urn:X.conf` (1.6, 2.0.1), `urn:XRequest` / `urn:XResponse` (2.1), bare `urn:X` for a SEND. */
function parseId(id: string): { action: string; kind: PayloadKind } {
  const name = id.replace(/^urn:/, '');
  if (name.endsWith('.req')) return { action: name.slice(0, -4), kind: 'request' };
  if (name.endsWith('.conf')) return { action: name.slice(0, -5), kind: 'response' };
  if (name.endsWith('Request')) return { action: name.slice(0, -7), kind: 'request' };
  if (name.endsWith('Response')) return { action: name.slice(0, -8), kind: 'response' };
  return { action: name, kind: 'request' };
}

export function schemasOf(version: OcppVersion): ReadonlyMap<string, JsonSchema> {
  let map = loaded.get(version);
  if (!map) {
    const url = new URL(`./schemas/${FILES[version]}`, import.meta.url);
    const list = JSON.parse(readFileSync(url, 'utf8')) as JsonSchema[];
    const m = new Map<string, JsonSchema>();
    for (const schema of list) {
      const { action, kind } = parseId(String(schema.$id));
      m.set(key(action, kind), schema);
    }
    map = m;
    loaded.set(version, map);
  }
  return map;
}

export function schemaFor(version: OcppVersion, action: string, kind: PayloadKind): JsonSchema | undefined {
  return schemasOf(version).get(key(action, kind));
}

/** Every action that has a request schema in `version`. */
export function actionsWithSchemas(version: OcppVersion): string[] {
  const out: string[] = [];
  for (const k of schemasOf(version).keys())
    if (k.endsWith('/request')) out.push(k.slice(0, -'/request'.length));
  return out.sort();
}
