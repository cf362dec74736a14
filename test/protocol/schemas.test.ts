import { describe, expect, it } from 'vitest';
import { ACTIONS, actionInfo, maySend, SEND_ACTIONS } from '../../src/protocol/actions.js';
import {
  ERROR_CODES,
  ERROR_KINDS,
  type ErrorKind,
  errorCodeFor,
  errorKindOf,
  isErrorCodeOf,
  translateErrorCode,
} from '../../src/protocol/error-codes.js';
import { RpcError } from '../../src/protocol/errors.js';
import { actionsWithSchemas, schemaFor, schemasOf } from '../../src/protocol/schemas.js';
import { validatePayload } from '../../src/protocol/validation.js';
import { OCPP_VERSIONS, type OcppVersion } from '../../src/protocol/versions.js';

const KINDS = ['request', 'response'] as const;

/** Counts from the OCA bundles (notes §4.1; schemas/PROVENANCE.md). */
const COUNTS: Record<OcppVersion, { actions: number; callActions: number; schemas: number }> = {
  'ocpp1.6': { actions: 39, callActions: 39, schemas: 78 },
  'ocpp2.0.1': { actions: 64, callActions: 64, schemas: 128 },
  'ocpp2.1': { actions: 91, callActions: 90, schemas: 181 },
};

const SECURITY_WHITEPAPER_16 = [
  'CertificateSigned',
  'DeleteCertificate',
  'ExtendedTriggerMessage',
  'GetInstalledCertificateIds',
  'GetLog',
  'InstallCertificate',
  'LogStatusNotification',
  'SecurityEventNotification',
  'SignCertificate',
  'SignedFirmwareStatusNotification',
  'SignedUpdateFirmware',
];

const sendOnly = (v: OcppVersion): readonly string[] => (v === 'ocpp2.1' ? SEND_ACTIONS['ocpp2.1'] : []);

describe.each(OCPP_VERSIONS)('%s schema bundle', (version) => {
  const actions = actionsWithSchemas(version);

  it('has the official number of schemas and actions', () => {
    expect(schemasOf(version).size).toBe(COUNTS[version].schemas);
    expect(actions).toHaveLength(COUNTS[version].actions);
    const withResponse = actions.filter((a) => schemaFor(version, a, 'response') !== undefined);
    expect(withResponse).toHaveLength(COUNTS[version].callActions);
  });

  it('has a request and a response schema for every CALL action, and only a request for SEND actions', () => {
    for (const action of actions) {
      expect(schemaFor(version, action, 'request'), action).toBeDefined();
      const hasResponse = schemaFor(version, action, 'response') !== undefined;
      expect(hasResponse, action).toBe(!sendOnly(version).includes(action));
    }
    // No response schema without its request.
    for (const key of schemasOf(version).keys()) {
      const [action] = key.split('/');
      expect(actions, key).toContain(action);
    }
  });

  it('lists in the direction catalog exactly the actions that have schemas', () => {
    expect([...ACTIONS[version].keys()].sort()).toEqual(actions);
  });

  it('marks SEND-only actions as such in the catalog', () => {
    for (const action of actions) {
      expect(actionInfo(version, action)?.sendOnly, action).toBe(sendOnly(version).includes(action));
    }
  });

  it('lets exactly one side send each action, except DataTransfer which both may', () => {
    for (const action of actions) {
      const byStation = maySend(version, 'station', action);
      const byCsms = maySend(version, 'csms', action);
      if (action === 'DataTransfer') expect([byStation, byCsms]).toEqual([true, true]);
      else expect(byStation !== byCsms, action).toBe(true);
    }
  });

  it('compiles every schema into a working validator', () => {
    let compiled = 0;
    for (const action of actions) {
      for (const kind of KINDS) {
        if (!schemaFor(version, action, kind)) continue;
        // A payload that breaks every non-trivial schema: the answer must be a schema verdict.
        const err = validatePayload(version, action, kind, { notInAnySchema: true });
        expect(err, `${action} ${kind}`).toBeInstanceOf(RpcError);
        expect(err!.kind, `${action} ${kind}`).not.toBe('NotImplemented');
        compiled++;
      }
    }
    expect(compiled).toBe(COUNTS[version].schemas);
  });
});

describe('action catalog contents', () => {
  it('1.6 includes the 11 security-whitepaper actions', () => {
    for (const a of SECURITY_WHITEPAPER_16) expect(actionsWithSchemas('ocpp1.6')).toContain(a);
  });

  it('2.1 keeps every 2.0.1 action, in the same direction', () => {
    for (const [action, info] of ACTIONS['ocpp2.0.1']) {
      expect(actionInfo('ocpp2.1', action)?.direction, action).toBe(info.direction);
    }
  });

  it('2.1 has NotifyPeriodicEventStream as its only SEND action, sent by the station', () => {
    expect(SEND_ACTIONS['ocpp2.1']).toEqual(['NotifyPeriodicEventStream']);
    expect(maySend('ocpp2.1', 'station', 'NotifyPeriodicEventStream')).toBe(true);
    expect(maySend('ocpp2.1', 'csms', 'NotifyPeriodicEventStream')).toBe(false);
  });

  it('sends the transaction messages from the station and the remote commands from the CSMS', () => {
    expect(maySend('ocpp1.6', 'station', 'StartTransaction')).toBe(true);
    expect(maySend('ocpp1.6', 'csms', 'RemoteStartTransaction')).toBe(true);
    expect(maySend('ocpp1.6', 'station', 'RemoteStartTransaction')).toBe(false);
    expect(maySend('ocpp2.0.1', 'station', 'TransactionEvent')).toBe(true);
    expect(maySend('ocpp2.0.1', 'csms', 'RequestStartTransaction')).toBe(true);
    expect(maySend('ocpp2.0.1', 'station', 'StartTransaction')).toBe(false);
  });
});

describe('error codes per version', () => {
  const ALL_KINDS = ERROR_KINDS;

  /** kind → [1.6, 2.0.1, 2.1] spelling. */
  const TABLE: Record<ErrorKind, readonly [string, string, string]> = {
    NotImplemented: ['NotImplemented', 'NotImplemented', 'NotImplemented'],
    NotSupported: ['NotSupported', 'NotSupported', 'NotSupported'],
    InternalError: ['InternalError', 'InternalError', 'InternalError'],
    ProtocolError: ['ProtocolError', 'ProtocolError', 'ProtocolError'],
    SecurityError: ['SecurityError', 'SecurityError', 'SecurityError'],
    FormatViolation: ['FormationViolation', 'FormatViolation', 'FormatViolation'],
    PropertyConstraintViolation: [
      'PropertyConstraintViolation',
      'PropertyConstraintViolation',
      'PropertyConstraintViolation',
    ],
    OccurrenceConstraintViolation: [
      'OccurenceConstraintViolation',
      'OccurrenceConstraintViolation',
      'OccurrenceConstraintViolation',
    ],
    TypeConstraintViolation: [
      'TypeConstraintViolation',
      'TypeConstraintViolation',
      'TypeConstraintViolation',
    ],
    GenericError: ['GenericError', 'GenericError', 'GenericError'],
    MessageTypeNotSupported: ['GenericError', 'MessageTypeNotSupported', 'MessageTypeNotSupported'],
    RpcFrameworkError: ['ProtocolError', 'RpcFrameworkError', 'RpcFrameworkError'],
  };

  it.each(ALL_KINDS)('errorCodeFor spells %s for each version', (kind) => {
    const got = OCPP_VERSIONS.map((v) => errorCodeFor(v, kind));
    expect(got).toEqual(TABLE[kind]);
    OCPP_VERSIONS.forEach((v, i) => {
      expect(ERROR_CODES[v], `${kind} in ${v}`).toContain(got[i]);
    });
  });

  it('1.6 keeps its errata typos and has neither 2.x-only code', () => {
    expect(ERROR_CODES['ocpp1.6']).toContain('FormationViolation');
    expect(ERROR_CODES['ocpp1.6']).toContain('OccurenceConstraintViolation');
    for (const c of [
      'FormatViolation',
      'OccurrenceConstraintViolation',
      'MessageTypeNotSupported',
      'RpcFrameworkError',
    ]) {
      expect(ERROR_CODES['ocpp1.6']).not.toContain(c);
    }
    expect(ERROR_CODES['ocpp1.6']).toHaveLength(10);
  });

  it('2.0.1 and 2.1 share one corrected table of 12 codes', () => {
    expect([...ERROR_CODES['ocpp2.1']].sort()).toEqual([...ERROR_CODES['ocpp2.0.1']].sort());
    expect(ERROR_CODES['ocpp2.0.1']).toHaveLength(12);
    for (const c of ['FormationViolation', 'OccurenceConstraintViolation']) {
      expect(ERROR_CODES['ocpp2.0.1']).not.toContain(c);
    }
  });

  it('every wire code of every version reads back as the kind it spells', () => {
    for (const v of OCPP_VERSIONS) {
      for (const code of ERROR_CODES[v]) {
        const kind = errorKindOf(code);
        expect(errorCodeFor(v, kind), `${v} ${code}`).toBe(code);
        expect(isErrorCodeOf(v, code)).toBe(true);
      }
    }
    expect(errorKindOf('SomethingElse')).toBe('GenericError');
    expect(isErrorCodeOf('ocpp1.6', 'FormatViolation')).toBe(false);
    expect(isErrorCodeOf('ocpp2.0.1', 'FormationViolation')).toBe(false);
  });

  it.each([
    ['FormationViolation', 'ocpp1.6', 'ocpp2.0.1', 'FormatViolation'],
    ['FormationViolation', 'ocpp1.6', 'ocpp2.1', 'FormatViolation'],
    ['OccurenceConstraintViolation', 'ocpp1.6', 'ocpp2.0.1', 'OccurrenceConstraintViolation'],
    ['FormatViolation', 'ocpp2.0.1', 'ocpp1.6', 'FormationViolation'],
    ['OccurrenceConstraintViolation', 'ocpp2.1', 'ocpp1.6', 'OccurenceConstraintViolation'],
    ['RpcFrameworkError', 'ocpp2.0.1', 'ocpp1.6', 'ProtocolError'],
    ['MessageTypeNotSupported', 'ocpp2.1', 'ocpp1.6', 'GenericError'],
    ['RpcFrameworkError', 'ocpp2.0.1', 'ocpp2.1', 'RpcFrameworkError'],
    ['TypeConstraintViolation', 'ocpp1.6', 'ocpp2.1', 'TypeConstraintViolation'],
    ['SecurityError', 'ocpp2.1', 'ocpp1.6', 'SecurityError'],
    // Another version's code keeps its meaning (ocpp-rpc sends 2.x's spelling on 1.6 links).
    ['OccurrenceConstraintViolation', 'ocpp1.6', 'ocpp2.0.1', 'OccurrenceConstraintViolation'],
    ['FormatViolation', 'ocpp1.6', 'ocpp2.0.1', 'FormatViolation'],
    ['FormationViolation', 'ocpp2.0.1', 'ocpp1.6', 'FormationViolation'],
    ['RpcFrameworkError', 'ocpp1.6', 'ocpp2.0.1', 'RpcFrameworkError'],
    // Codes no version defines fall back to GenericError.
    ['NoSuchCode', 'ocpp2.0.1', 'ocpp1.6', 'GenericError'],
    ['NoSuchCode', 'ocpp1.6', 'ocpp2.1', 'GenericError'],
    ['formatviolation', 'ocpp2.0.1', 'ocpp2.1', 'GenericError'],
  ] as const)('translateErrorCode(%s, %s → %s) = %s', (code, from, to, want) => {
    expect(translateErrorCode(code, from, to)).toBe(want);
  });

  it('translateErrorCode is the identity between 2.0.1 and 2.1 and always lands in the target table', () => {
    for (const code of ERROR_CODES['ocpp2.0.1']) {
      expect(translateErrorCode(code, 'ocpp2.0.1', 'ocpp2.1')).toBe(code);
      expect(translateErrorCode(code, 'ocpp2.1', 'ocpp2.0.1')).toBe(code);
    }
    for (const from of OCPP_VERSIONS) {
      for (const to of OCPP_VERSIONS) {
        for (const code of [...ERROR_CODES[from], 'Bogus']) {
          expect(ERROR_CODES[to]).toContain(translateErrorCode(code, from, to));
        }
      }
    }
  });

  it('a received code keeps its wire spelling but is classified by kind', () => {
    const received = new RpcError(
      'OccurenceConstraintViolation',
      'idTag missing',
      {},
      'OccurenceConstraintViolation',
    );
    expect(received.kind).toBe('OccurrenceConstraintViolation');
    expect(received.code).toBe('OccurenceConstraintViolation');
    expect(received.codeFor('ocpp2.0.1')).toBe('OccurrenceConstraintViolation');
    expect(new RpcError('FormationViolation').codeFor('ocpp2.1')).toBe('FormatViolation');
  });
});
