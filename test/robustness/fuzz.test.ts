/**
 * A bounded fuzz of frames of every kind, in all three versions, against a CSMS in its own process:
 * garbage text and JSON, malformed and well-formed frames of every message type, binary frames, answers
 * to calls never made. Every well-formed CALL is answered exactly once, the process lives, and a canary
 * station on its own connection keeps being answered throughout.
 */
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS, maySend } from '../../src/protocol/actions.js';
import { schemaFor } from '../../src/protocol/schemas.js';
import type { OcppVersion } from '../../src/protocol/versions.js';
import { exampleFromSchema, type SchemaNode } from '../support/example-from-schema.js';
import { bootPayload, connectStation, type StationSocket } from '../support/station-socket.js';
import { type ChildCsms, startChildCsms } from './child.js';

const BATCHES = 60;
const WELL_FORMED_PER_BATCH = 5;
const GARBAGE_PER_BATCH = 15;
const FRAMES_PER_VERSION = BATCHES * (WELL_FORMED_PER_BATCH + GARBAGE_PER_BATCH);

const VERSIONS: OcppVersion[] = ['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'];

let csms: ChildCsms;
let canary: StationSocket;
const opened: StationSocket[] = [];

beforeAll(async () => {
  csms = await startChildCsms({ mode: 'listen', options: { jitterRatio: 0, connectionRateLimit: false } });
  canary = await connectStation(csms.url, 'CP-canary', { protocols: ['ocpp2.0.1'] });
  opened.push(canary);
  await canary.call('BootNotification', bootPayload('ocpp2.0.1'));
}, 30_000);

afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await csms?.stop();
});

/** Station-to-CSMS actions of `version`, each with a schema-valid example request. */
function examples(version: OcppVersion): { action: string; payload: unknown }[] {
  return [...ACTIONS[version].keys()]
    .filter((a) => maySend(version, 'station', a))
    .flatMap((action) => {
      const schema = schemaFor(version, action, 'request');
      return schema ? [{ action, payload: exampleFromSchema(schema as SchemaNode, { optional: true }) }] : [];
    });
}

/** A garbage id can never be mistaken for a well-formed CALL's. */
const garbageId = fc.string({ maxLength: 40 }).filter((s) => !s.startsWith('wf-'));

function garbage(version: OcppVersion): fc.Arbitrary<string | Buffer> {
  const actions = [...ACTIONS[version].keys()];
  const action = fc.oneof(fc.constantFrom(...actions), fc.string({ maxLength: 30 }));
  const anything = fc.jsonValue({ maxDepth: 4 });
  const json = (a: fc.Arbitrary<unknown>) => a.map((v) => JSON.stringify(v));
  return fc.oneof(
    fc.string({ maxLength: 200 }), // not JSON, mostly
    fc.string({ unit: 'binary', maxLength: 100 }),
    json(anything),
    // Message-type numbers of every kind, valid or not, with fields of any shape.
    json(
      fc.tuple(
        fc.oneof(fc.integer({ min: -1, max: 9 }), fc.constantFrom(2.5, '2', null)),
        garbageId,
        action,
        anything,
      ),
    ),
    json(fc.tuple(fc.constant(2), garbageId, action, anything, anything)), // one field too many
    json(
      fc.tuple(
        fc.constant(2),
        fc.oneof(fc.integer(), fc.string({ minLength: 37, maxLength: 80 })),
        action,
        fc.object(),
      ),
    ),
    json(fc.tuple(fc.constant(3), garbageId, anything)), // answers to calls never made
    json(fc.tuple(fc.constant(4), garbageId, fc.string(), fc.string(), anything)),
    json(fc.tuple(fc.constant(5), garbageId, fc.string(), fc.string(), anything)),
    json(fc.tuple(fc.constant(6), garbageId, action, anything)), // SEND (2.1 only)
    json(fc.array(anything, { maxLength: 8 })),
    fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)), // binary frame
    fc.nat({ max: 2_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`), // deep nesting
  );
}

/** Well-formed CALLs: a real action with a valid payload, or with a random object (validation answers). */
function wellFormed(version: OcppVersion): fc.Arbitrary<{ action: string; payload: unknown }> {
  const valid = examples(version);
  return fc.oneof(
    fc.constantFrom(...valid),
    fc.record({
      action: fc.constantFrom(...valid.map((v) => v.action)),
      payload: fc.object({ maxDepth: 2 }),
    }),
    fc.record({ action: fc.string({ minLength: 1, maxLength: 20 }), payload: fc.object({ maxDepth: 1 }) }),
  );
}

describe.each(VERSIONS)('fuzzing %s', (version) => {
  it(`${FRAMES_PER_VERSION} frames: every well-formed CALL answered once, the canary served, the process alive`, async () => {
    const station = await connectStation(csms.url, `CP-fuzz-${version}`, { protocols: [version] });
    opened.push(station);
    await station.call('BootNotification', bootPayload(version));
    const seed = version.length * 7919;
    const junk = fc.sample(garbage(version), { numRuns: BATCHES * GARBAGE_PER_BATCH, seed });
    const calls = fc.sample(wellFormed(version), { numRuns: BATCHES * WELL_FORMED_PER_BATCH, seed });
    const ids: string[] = [];
    for (let b = 0; b < BATCHES; b++) {
      const pending: Promise<unknown>[] = [];
      for (let i = 0; i < WELL_FORMED_PER_BATCH; i++) {
        const n = b * WELL_FORMED_PER_BATCH + i;
        const id = `wf-${n}`;
        ids.push(id);
        const { action, payload } = calls[n]!;
        // Garbage before each call: the call must be answered whatever came just before it.
        for (let g = 0; g < GARBAGE_PER_BATCH / WELL_FORMED_PER_BATCH; g++) {
          const frame = junk[b * GARBAGE_PER_BATCH + i * (GARBAGE_PER_BATCH / WELL_FORMED_PER_BATCH) + g]!;
          if (Buffer.isBuffer(frame)) station.ws.send(frame, { binary: true });
          else station.send(frame);
        }
        pending.push(station.call(action, payload, id, 5_000));
      }
      await Promise.all(pending);
      if (b % 20 === 0) await canary.call('Heartbeat', {}, undefined, 5_000);
    }
    // Handled one at a time, in order: once this is answered, every earlier CALL has been.
    await station.call('Heartbeat', {}, 'wf-last', 5_000);
    const answers = new Map<string, number>();
    for (const m of station.received) {
      if ((m[0] === 3 || m[0] === 4) && typeof m[1] === 'string' && m[1].startsWith('wf-'))
        answers.set(m[1], (answers.get(m[1]) ?? 0) + 1);
    }
    const notOnce = ids.filter((id) => answers.get(id) !== 1);
    expect(notOnce, 'well-formed CALLs not answered exactly once').toEqual([]);
    expect(station.isOpen).toBe(true);
    expect(await canary.call('Heartbeat', {})).toEqual([
      3,
      expect.any(String),
      { currentTime: expect.any(String) },
    ]);
    expect(csms.alive(), csms.output()).toBe(true);
  });
});
