import { afterEach, describe, expect, it } from 'vitest';
import { schemaVersioningPlugin } from '../../src/plugins/index.js';
import { RpcError } from '../../src/protocol/errors.js';
import { cleanup, record, startCsms } from '../runtime/harness.js';

afterEach(cleanup);

const versioning = (unmatchedBehavior?: 'passthrough' | 'reject') =>
  schemaVersioningPlugin({
    sourceVersion: 'ocpp1.6',
    targetVersion: 'ocpp2.0.1',
    // Rules only: the engine's preset would cover every 1.6 action.
    preset: false,
    ...(unmatchedBehavior ? { unmatchedBehavior } : {}),
    rules: [
      {
        method: 'Authorize',
        transform: (p, direction) =>
          direction === 'up'
            ? { idToken: { idToken: p.idTag, type: 'ISO14443' } }
            : { idTagInfo: { status: (p.idTokenInfo as { status: string }).status } },
      },
      // Renamed: a 2.0.1 handler for LogStatusNotification serves 1.6 DiagnosticsStatusNotification.
      { method: 'DiagnosticsStatusNotification', targetMethod: 'LogStatusNotification', transform: (p) => p },
      { method: 'Heartbeat', transform: (p) => p },
      // Boot as it is: the default handlers answer it the same in both versions.
      { method: 'BootNotification', transform: (p) => p },
    ],
  });

describe('schemaVersioningPlugin', () => {
  it('serves 1.6 stations with 2.0.1 handlers: requests up (renamed where asked), CALLRESULTs down', async () => {
    const t = await startCsms({ plugins: [versioning()] });
    const seen: unknown[] = [];
    t.csms.handle('ocpp2.0.1', 'Authorize', ({ payload, protocol, action }) => {
      seen.push([protocol, action, payload]);
      return { idTokenInfo: { status: 'Blocked' } };
    });
    t.csms.handle('ocpp2.0.1', 'LogStatusNotification', ({ payload, protocol, action }) => {
      seen.push([protocol, action, payload]);
      return {};
    });
    const s = await t.boot('CP16');
    expect(await s.call('Authorize', { idTag: 'TAG1' })).toEqual([
      3,
      expect.any(String),
      { idTagInfo: { status: 'Blocked' } },
    ]);
    expect((await s.call('DiagnosticsStatusNotification', { status: 'Uploaded' }))[0]).toBe(3);
    expect(seen).toEqual([
      ['ocpp2.0.1', 'Authorize', { idToken: { idToken: 'TAG1', type: 'ISO14443' } }],
      ['ocpp2.0.1', 'LogStatusNotification', { status: 'Uploaded' }],
    ]);
  });

  it('validates what the station gets against its own version, and leaves other versions alone', async () => {
    const t = await startCsms({ plugins: [versioning()] });
    // The answer goes down unchanged and is checked against the 1.6 schema: a bad date fails there.
    t.csms.handle('ocpp2.0.1', 'Heartbeat', () => ({ currentTime: 'not a date' }));
    const failures: string[] = [];
    t.csms.on('validationFailure', (e) => failures.push(e.direction));
    const s = await t.boot('CP16');
    expect((await s.call('Heartbeat', {}))[0]).toBe(4);
    expect(failures).toEqual(['OUT']);
    // A 2.0.1 station's own calls are untouched (applyWhen defaults to sourceVersion).
    const v2 = await t.boot('CP201', 'ocpp2.0.1');
    let authorized: unknown;
    t.csms.handle('ocpp2.0.1', 'Authorize', ({ payload }) => {
      authorized = payload;
      return { idTokenInfo: { status: 'Accepted' } };
    });
    await v2.call('Authorize', { idToken: { idToken: 'X', type: 'Central' } });
    expect(authorized).toEqual({ idToken: { idToken: 'X', type: 'Central' } });
  });

  it('answers NotSupported for actions without a rule when unmatchedBehavior is reject', async () => {
    const t = await startCsms({ plugins: [versioning('reject')] });
    const s = await t.boot('CP16');
    expect(
      await s.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' }),
    ).toEqual([4, expect.any(String), 'NotSupported', expect.any(String), {}]);
  });

  it("answers InternalError and reports pluginError when a rule throws, or the rule's own RpcError", async () => {
    const plugin = schemaVersioningPlugin({
      sourceVersion: 'ocpp1.6',
      targetVersion: 'ocpp2.0.1',
      preset: false,
      rules: [
        { method: 'BootNotification', transform: (p) => p },
        {
          method: 'Authorize',
          transform: (p) => {
            if (p.idTag === 'RPC') throw new RpcError('SecurityError', 'not this one');
            throw new Error('rule bug');
          },
        },
      ],
    });
    const t = await startCsms({ plugins: [plugin] });
    let handled = 0;
    t.csms.handle('Authorize', () => {
      handled++;
      return { idTagInfo: { status: 'Accepted' } };
    });
    const errors = record(t.csms, 'pluginError');
    const s = await t.boot('CP16');
    expect(await s.call('Authorize', { idTag: 'X' })).toEqual([
      4,
      expect.any(String),
      'InternalError',
      expect.any(String),
      {},
    ]);
    expect(errors.pluginError).toEqual([
      expect.objectContaining({ plugin: 'schema-versioning', hook: 'translateInbound' }),
    ]);
    expect(await s.call('Authorize', { idTag: 'RPC' })).toEqual([
      4,
      expect.any(String),
      'SecurityError',
      'not this one',
      {},
    ]);
    expect(errors.pluginError).toHaveLength(1);
    expect(handled).toBe(0);
  });
});
