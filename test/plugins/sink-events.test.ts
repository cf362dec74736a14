import { describe, expect, it } from 'vitest';
import type { CsmsEventMap } from '../../src/hooks/types.js';
import { jsonSafe, sinkRecord } from '../../src/plugins/sink-events.js';
import { SinkReporter, sinkPlugin } from '../../src/plugins/sink-plugin.js';
import { RpcError } from '../../src/protocol/errors.js';

const station = { identity: 'CP1', protocol: 'ocpp2.0.1' as const, remoteAddress: '10.0.0.7' };

describe('sink records', () => {
  it('carry event name, identity, timestamp and a JSON-safe payload with errors serialised', () => {
    const e: CsmsEventMap['handlerError'] = {
      station,
      action: 'Authorize',
      messageId: 'm1',
      error: new RpcError('InternalError', 'db down'),
    };
    const r = sinkRecord('error', e, {})!;
    expect(r).toMatchObject({
      event: 'error',
      identity: 'CP1',
      timestamp: expect.stringMatching(/Z$/),
      payload: {
        protocol: 'ocpp2.0.1',
        remoteAddress: '10.0.0.7',
        action: 'Authorize',
        messageId: 'm1',
        error: { name: 'RpcError', message: 'db down', code: 'InternalError' },
      },
    });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it("keep a security event's own time and identity", () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    const r = sinkRecord(
      'security',
      {
        type: 'MESSAGE_FLOOD',
        identity: 'CP9',
        remoteAddress: '1.2.3.4',
        timestamp: at,
        details: { action: 'Heartbeat' },
      },
      {},
    )!;
    expect(r).toEqual({
      event: 'security',
      identity: 'CP9',
      timestamp: '2026-01-02T03:04:05.000Z',
      payload: { type: 'MESSAGE_FLOOD', remoteAddress: '1.2.3.4', details: { action: 'Heartbeat' } },
    });
  });

  it('leave OCPP payloads out of message records unless includePayload; transform may drop', () => {
    const e: CsmsEventMap['message'] = {
      station,
      direction: 'IN',
      message: {
        type: 2,
        messageId: 'm2',
        action: 'Authorize',
        payload: { idToken: { idToken: 'SECRET', type: 'ISO14443' } },
      },
      ctx: {
        type: 'CALL',
        messageId: 'm2',
        action: 'Authorize',
        timestamp: new Date(),
        latencyMs: undefined,
      },
    };
    expect(JSON.stringify(sinkRecord('message', e, {}))).not.toContain('SECRET');
    expect(sinkRecord('message', e, { includePayload: true })!.payload.payload).toEqual({
      idToken: { idToken: 'SECRET', type: 'ISO14443' },
    });
    expect(sinkRecord('message', e, { transform: () => undefined })).toBeUndefined();
  });

  it('make cycles, bigints, buffers and non-finite numbers plain', () => {
    const a: Record<string, unknown> = {
      n: 10n,
      b: Buffer.from('hi'),
      inf: Number.POSITIVE_INFINITY,
      f: () => 1,
    };
    a.self = a;
    expect(jsonSafe(a)).toEqual({ n: '10', b: 'aGk=', inf: 'Infinity', self: '[Circular]' });
  });

  it('refuse an unknown event name at construction', () => {
    expect(() => sinkPlugin('x', { events: ['conect' as never] }, [], async () => {})).toThrow(
      /unknown event 'conect'/,
    );
  });
});

describe('SinkReporter (how a sink failure becomes a pluginError)', () => {
  it('reports through the plugin context once registered, failures from before registration included', () => {
    const r = new SinkReporter();
    r.failed(new Error('early'));
    const reported: string[] = [];
    r.attach((e) => reported.push(e.message));
    r.failed(new Error('later'));
    expect(reported).toEqual(['early', 'later']);
  });
});
