import { describe, expect, it } from 'vitest';
import { encodeCallError } from '../../src/protocol/encode.js';
import { RpcError, ValidationError } from '../../src/protocol/errors.js';
import type { Payload } from '../../src/protocol/frames.js';
import { actionsWithSchemas, type PayloadKind, schemaFor } from '../../src/protocol/schemas.js';
import { checkInboundCall, validatePayload } from '../../src/protocol/validation.js';
import { OCPP_VERSIONS, type OcppVersion } from '../../src/protocol/versions.js';
import {
  EXAMPLE_DATE_TIME,
  exampleFromSchema,
  type Mutation,
  mutationsOf,
  type SchemaNode,
} from '../support/example-from-schema.js';

const KINDS: readonly PayloadKind[] = ['request', 'response'];
/** Enough to reach every constraint kind in every schema; a rejected payload costs ~0.5 ms. */
const MUTATIONS_PER_CATEGORY = 8;

/** The code each fault must carry on the wire, per version (1.6 keeps the errata typos). */
const SPELLING: Record<OcppVersion, Record<Mutation['expect'], string>> = {
  'ocpp1.6': {
    OccurrenceConstraintViolation: 'OccurenceConstraintViolation',
    TypeConstraintViolation: 'TypeConstraintViolation',
    PropertyConstraintViolation: 'PropertyConstraintViolation',
    FormatViolation: 'FormationViolation',
  },
  'ocpp2.0.1': {
    OccurrenceConstraintViolation: 'OccurrenceConstraintViolation',
    TypeConstraintViolation: 'TypeConstraintViolation',
    PropertyConstraintViolation: 'PropertyConstraintViolation',
    FormatViolation: 'FormatViolation',
  },
  'ocpp2.1': {
    OccurrenceConstraintViolation: 'OccurrenceConstraintViolation',
    TypeConstraintViolation: 'TypeConstraintViolation',
    PropertyConstraintViolation: 'PropertyConstraintViolation',
    FormatViolation: 'FormatViolation',
  },
};

const schemaOf = (v: OcppVersion, action: string, kind: PayloadKind) =>
  schemaFor(v, action, kind) as SchemaNode;
const example = (v: OcppVersion, action: string, kind: PayloadKind, optional = false) =>
  exampleFromSchema(schemaOf(v, action, kind), { optional }) as Payload;

/** Mutations run per version and per expected fault, filled in by the per-action tests below. */
const ran = Object.fromEntries(OCPP_VERSIONS.map((v) => [v, new Map<string, number>()])) as Record<
  OcppVersion,
  Map<string, number>
>;

describe.each(OCPP_VERSIONS)('%s: every action, request and response', (version) => {
  const cases = actionsWithSchemas(version).flatMap((action) =>
    KINDS.filter((kind) => schemaFor(version, action, kind) !== undefined).map(
      (kind) => [action, kind] as const,
    ),
  );

  it.each(cases)('%s %s', (action, kind) => {
    const schema = schemaOf(version, action, kind);
    // A minimal (required fields only) and a full (every field) example both pass.
    expect(validatePayload(version, action, kind, example(version, action, kind))).toBeUndefined();
    const full = example(version, action, kind, true);
    expect(validatePayload(version, action, kind, full)).toBeUndefined();

    const mutations = mutationsOf(schema, full, { perCategory: MUTATIONS_PER_CATEGORY });
    expect(mutations.length).toBeGreaterThan(0);
    const wrong: string[] = [];
    for (const m of mutations) {
      const payload = structuredClone(full) as Record<string, unknown>;
      m.apply(payload);
      const err = validatePayload(version, action, kind, payload);
      const got = err && {
        kind: err.kind,
        code: err.codeFor(version),
        path: err instanceof ValidationError ? err.path : undefined,
      };
      const want = { kind: m.expect, code: SPELLING[version][m.expect], path: m.path };
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        wrong.push(
          `${m.label}: got ${JSON.stringify(got)} (${err?.description}), want ${JSON.stringify(want)}`,
        );
      }
      const counts = ran[version];
      for (const key of ['total', m.expect, m.category]) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(wrong).toEqual([]);
  });

  it('ran a substantial number of mutations of every kind', () => {
    const counts = ran[version];
    const total = counts.get('total') ?? 0;
    console.info(`${version}: ${total} mutations over ${cases.length} schemas`, Object.fromEntries(counts));
    expect(total).toBeGreaterThan(5 * cases.length);
    for (const kind of Object.keys(SPELLING[version])) {
      expect(counts.get(kind) ?? 0, kind).toBeGreaterThan(cases.length / 4);
    }
    for (const category of ['required', 'unknown-key', 'type', 'enum', 'max-length', 'date-time', 'items']) {
      expect(counts.get(category) ?? 0, category).toBeGreaterThan(0);
    }
  });
});

describe('faults spelled per version (readable regressions)', () => {
  it('a missing required enum field is an occurrence fault, with the 1.6 typo', () => {
    const err = validatePayload('ocpp1.6', 'BootNotification', 'response', {
      currentTime: EXAMPLE_DATE_TIME,
      interval: 300,
    });
    expect(err?.kind).toBe('OccurrenceConstraintViolation');
    expect(err?.codeFor('ocpp1.6')).toBe('OccurenceConstraintViolation');
    expect(JSON.parse(encodeCallError('ocpp1.6', 'id1', err!))[2]).toBe('OccurenceConstraintViolation');
  });

  it('a missing required field in 2.0.1 uses the corrected spelling', () => {
    const err = validatePayload('ocpp2.0.1', 'BootNotification', 'request', { reason: 'PowerUp' });
    expect(err?.codeFor('ocpp2.0.1')).toBe('OccurrenceConstraintViolation');
    expect((err as ValidationError).path).toEqual(['chargingStation']);
  });

  it('a number in a string enum is a type fault; an unknown string is a property fault', () => {
    const base = { currentTime: EXAMPLE_DATE_TIME, interval: 300 };
    expect(validatePayload('ocpp2.0.1', 'BootNotification', 'response', { ...base, status: 1 })?.kind).toBe(
      'TypeConstraintViolation',
    );
    expect(
      validatePayload('ocpp2.0.1', 'BootNotification', 'response', { ...base, status: 'OK' })?.kind,
    ).toBe('PropertyConstraintViolation');
  });

  it('an unknown key is a FormationViolation in 1.6 and a FormatViolation in 2.x', () => {
    const e16 = validatePayload('ocpp1.6', 'Heartbeat', 'request', { extra: 1 });
    expect(e16?.codeFor('ocpp1.6')).toBe('FormationViolation');
    const e21 = validatePayload('ocpp2.1', 'Heartbeat', 'request', { extra: 1 });
    expect(e21?.codeFor('ocpp2.1')).toBe('FormatViolation');
  });

  it('2.x customData may carry vendor keys beyond vendorId', () => {
    const payload = { customData: { vendorId: 'com.example', anything: { nested: [1, 2] } } };
    expect(validatePayload('ocpp2.0.1', 'Heartbeat', 'request', payload)).toBeUndefined();
    expect(validatePayload('ocpp2.0.1', 'Heartbeat', 'request', { customData: {} })?.kind).toBe(
      'OccurrenceConstraintViolation',
    );
  });

  it('accepts decimal limits that are multiples of 0.1 despite binary floating point', () => {
    const profile = (limit: number) => ({
      connectorId: 1,
      csChargingProfiles: {
        chargingProfileId: 1,
        stackLevel: 0,
        chargingProfilePurpose: 'TxDefaultProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
      },
    });
    for (const limit of [0.3, 0.7, 1.1, 16.1, 32.7, 6.9]) {
      expect(
        validatePayload('ocpp1.6', 'SetChargingProfile', 'request', profile(limit)),
        String(limit),
      ).toBeUndefined();
    }
    expect(validatePayload('ocpp1.6', 'SetChargingProfile', 'request', profile(1.15))?.kind).toBe(
      'PropertyConstraintViolation',
    );
  });

  it('accepts RFC 3339 date-times with fractions and offsets, rejects ones without an offset', () => {
    for (const t of ['2025-01-01T00:00:00Z', '2025-01-01T00:00:00.123456Z', '2025-01-01T01:00:00+01:00']) {
      expect(validatePayload('ocpp2.0.1', 'Heartbeat', 'response', { currentTime: t }), t).toBeUndefined();
    }
    for (const t of ['2025-01-01T00:00:00', '2025-01-01', '1735689600', 'yesterday']) {
      expect(validatePayload('ocpp2.0.1', 'Heartbeat', 'response', { currentTime: t })?.kind, t).toBe(
        'FormatViolation',
      );
    }
  });

  it('counts string length in characters, not UTF-16 units', () => {
    expect(validatePayload('ocpp1.6', 'Authorize', 'request', { idTag: '🔑'.repeat(20) })).toBeUndefined();
    expect(validatePayload('ocpp1.6', 'Authorize', 'request', { idTag: '🔑'.repeat(21) })?.kind).toBe(
      'PropertyConstraintViolation',
    );
  });
});

describe('actions without a schema, and the wrong receiver', () => {
  it.each(OCPP_VERSIONS)('%s: an unknown action is NotImplemented', (version) => {
    for (const action of ['NoSuchAction', 'heartbeat', 'HeartbeatRequest', 'Heartbeat.req', '']) {
      const err = validatePayload(version, action, 'request', {});
      expect(err, action).toBeInstanceOf(RpcError);
      expect(err?.codeFor(version), action).toBe('NotImplemented');
      expect(checkInboundCall(version, 'csms', action, {})?.kind, action).toBe('NotImplemented');
      expect(checkInboundCall(version, 'station', action, {})?.kind, action).toBe('NotImplemented');
    }
  });

  it('an action of another version is NotImplemented', () => {
    expect(checkInboundCall('ocpp2.0.1', 'csms', 'StartTransaction', {})?.kind).toBe('NotImplemented');
    expect(checkInboundCall('ocpp1.6', 'csms', 'TransactionEvent', {})?.kind).toBe('NotImplemented');
    expect(checkInboundCall('ocpp2.0.1', 'station', 'AFRRSignal', {})?.kind).toBe('NotImplemented');
  });

  it('a CSMS receiving RemoteStartTransaction answers NotSupported, even with a valid payload', () => {
    const payload = example('ocpp1.6', 'RemoteStartTransaction', 'request');
    expect(validatePayload('ocpp1.6', 'RemoteStartTransaction', 'request', payload)).toBeUndefined();
    const err = checkInboundCall('ocpp1.6', 'csms', 'RemoteStartTransaction', payload);
    expect(err?.codeFor('ocpp1.6')).toBe('NotSupported');
    expect(checkInboundCall('ocpp1.6', 'station', 'RemoteStartTransaction', payload)).toBeUndefined();
  });

  it.each(OCPP_VERSIONS)('%s: direction is checked before the payload, for every action', (version) => {
    for (const action of actionsWithSchemas(version)) {
      const payload = example(version, action, 'request');
      for (const receiver of ['csms', 'station'] as const) {
        const err = checkInboundCall(version, receiver, action, payload);
        const sender = receiver === 'csms' ? 'station' : 'csms';
        const allowed = checkInboundCall(version, sender, action, payload) === undefined;
        if (action === 'DataTransfer') expect(err, `${action} to ${receiver}`).toBeUndefined();
        else if (err) expect(err.kind, `${action} to ${receiver}`).toBe('NotSupported');
        else expect(allowed, `${action} accepted by both sides`).toBe(false);
        // With a broken payload the wrong receiver still says NotSupported, the right one a schema fault.
        const broken = checkInboundCall(version, receiver, action, { ...payload, notInTheSchema: 1 });
        expect(broken?.kind, `${action} to ${receiver}`).toBe(err ? 'NotSupported' : 'FormatViolation');
      }
    }
  });

  it('a valid BootNotification from a station passes every check', () => {
    expect(
      checkInboundCall('ocpp1.6', 'csms', 'BootNotification', {
        chargePointVendor: 'V',
        chargePointModel: 'M',
      }),
    ).toBeUndefined();
    expect(
      checkInboundCall(
        'ocpp2.0.1',
        'station',
        'BootNotification',
        example('ocpp2.0.1', 'BootNotification', 'request'),
      )?.kind,
    ).toBe('NotSupported');
  });

  it('NotifyPeriodicEventStream (2.1 SEND) has a request schema but no response: NotImplemented, never valid', () => {
    const payload = example('ocpp2.1', 'NotifyPeriodicEventStream', 'request');
    expect(checkInboundCall('ocpp2.1', 'csms', 'NotifyPeriodicEventStream', payload)).toBeUndefined();
    expect(checkInboundCall('ocpp2.1', 'station', 'NotifyPeriodicEventStream', payload)?.kind).toBe(
      'NotSupported',
    );
    for (const response of [{}, payload, { status: 'Accepted' }]) {
      expect(validatePayload('ocpp2.1', 'NotifyPeriodicEventStream', 'response', response)?.kind).toBe(
        'NotImplemented',
      );
    }
    expect(checkInboundCall('ocpp2.0.1', 'csms', 'NotifyPeriodicEventStream', payload)?.kind).toBe(
      'NotImplemented',
    );
  });
});

describe('example-from-schema (test support)', () => {
  const root: SchemaNode = {
    type: 'object',
    additionalProperties: false,
    required: ['n', 'list', 'ref'],
    properties: {
      n: { type: 'integer', minimum: 3, maximum: 10, multipleOf: 2 },
      x: { type: 'number', exclusiveMinimum: 1 },
      list: { type: 'array', minItems: 2, items: { type: 'string', minLength: 3, maxLength: 5 } },
      ref: { $ref: '#/definitions/Thing' },
      when: { type: 'string', format: 'date-time' },
    },
    definitions: { Thing: { type: 'string', enum: ['B', 'A'] } },
  };

  it('builds required fields only, or every field, honouring bounds and $ref', () => {
    expect(exampleFromSchema(root)).toEqual({ n: 4, list: ['xxx', 'xxx'], ref: 'B' });
    expect(exampleFromSchema(root, { optional: true })).toEqual({
      n: 4,
      x: 1.5,
      list: ['xxx', 'xxx'],
      ref: 'B',
      when: EXAMPLE_DATE_TIME,
    });
  });

  it('refuses constraints it does not understand instead of guessing', () => {
    expect(() => exampleFromSchema({ type: 'string', pattern: '^a$' } as SchemaNode)).toThrow(/pattern/);
    expect(() => exampleFromSchema({ oneOf: [] } as SchemaNode)).toThrow(/oneOf/);
    expect(() => exampleFromSchema({ $ref: '#/definitions/Missing' })).toThrow(/Missing/);
  });

  it('finds one mutation per constraint', () => {
    const labels = mutationsOf(root, exampleFromSchema(root, { optional: true })).map((m) => m.label);
    expect(labels).toEqual(
      expect.arrayContaining([
        'required n deleted',
        'unknown key in (payload)',
        'above maximum at n',
        'below minimum at n',
        'fewer than 2 items at list',
        'string of 6 chars at list.0',
        'value outside enum at ref',
        'bad date-time at when',
      ]),
    );
  });
});
