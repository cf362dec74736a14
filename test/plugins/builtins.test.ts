import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { CallQueueFullError } from '../../src/index.js';
import {
  anomalyPlugin,
  BACKPRESSURE_CLOSE_CODE,
  CONNECTION_LIMIT_CLOSE_CODE,
  circuitBreakerPlugin,
  connectionGuardPlugin,
  heartbeatPlugin,
  metricsPlugin,
  piiRedactorPlugin,
  sessionLogPlugin,
} from '../../src/plugins/index.js';
import type { Logger } from '../../src/util/logger.js';
import { cleanup, expectServed, gate, nextEvent, record, startCsms, until } from '../runtime/harness.js';
import { bootPayload } from '../support/station-socket.js';

afterEach(cleanup);

function httpGet(url: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body }));
    })
      .on('error', reject)
      .end();
  });
}

const httpUrl = (wsUrl: string, path: string) => `${wsUrl.replace('ws://', 'http://')}${path}`;

describe('heartbeatPlugin', () => {
  it('answers Heartbeat where the application has no handler', async () => {
    const t = await startCsms({ plugins: [heartbeatPlugin()] }, { defaults: false });
    t.csms.handle('BootNotification', () => ({
      status: 'Accepted',
      currentTime: new Date().toISOString(),
      interval: 60,
    }));
    const s = await t.boot('CP1');
    const answer = await s.call('Heartbeat', {});
    expect(answer).toEqual([3, expect.any(String), { currentTime: expect.any(String) }]);
    expect(
      Math.abs(Date.parse((answer[2] as { currentTime: string }).currentTime) - Date.now()),
    ).toBeLessThan(5_000);
  });

  it("never breaks the application's own Heartbeat handler (reference bug: it made it throw)", async () => {
    const t = await startCsms({ plugins: [heartbeatPlugin()] }, { defaults: false });
    t.csms.handle('BootNotification', () => ({
      status: 'Accepted',
      currentTime: new Date().toISOString(),
      interval: 60,
    }));
    let ran = 0;
    t.csms.handle('Heartbeat', () => {
      ran++;
      return { currentTime: '2001-02-03T04:05:06.000Z' };
    });
    const errors = record(t.csms, 'handlerError', 'pluginError');
    const s = await t.boot('CP1');
    expect(await s.call('Heartbeat', {})).toEqual([
      3,
      expect.any(String),
      { currentTime: '2001-02-03T04:05:06.000Z' },
    ]);
    expect(ran).toBe(1);
    expect(errors.handlerError).toEqual([]);
    expect(errors.pluginError).toEqual([]);
  });
});

describe('sessionLogPlugin', () => {
  it('logs connect and disconnect with identity, address, protocol, duration and code', async () => {
    const lines: [string, object | undefined][] = [];
    const logger = {
      info: (m: string, f?: object) => lines.push([m, f]),
      warn: (m: string, f?: object) => lines.push([m, f]),
    };
    const t = await startCsms({ plugins: [sessionLogPlugin({ logger })] });
    const s = await t.boot('CP1');
    const gone = nextEvent(t.csms, 'disconnected');
    await s.close(1000);
    await gone;
    expect(lines).toEqual([
      ['[session] connected', { identity: 'CP1', ip: '127.0.0.1', protocol: 'ocpp1.6', reconnect: false }],
      ['[session] disconnected', { identity: 'CP1', durationSec: 0, code: 1000, reason: '' }],
    ]);
  });
});

describe('connectionGuardPlugin', () => {
  it('refuses past maxConnections at the handshake, before auth runs', async () => {
    let authCalls = 0;
    const t = await startCsms({
      auth: () => {
        authCalls++;
        return true;
      },
      plugins: [connectionGuardPlugin({ maxConnections: 2 })],
    });
    const rejected = record(t.csms, 'handshakeRejected');
    await t.boot('CP1');
    await t.boot('CP2');
    expect(authCalls).toBe(2);
    const refusal = await t.refused('CP3');
    expect(refusal.status).toBe(503);
    expect(authCalls).toBe(2);
    expect(rejected.handshakeRejected).toMatchObject([
      { status: 503, reason: 'connection-guard: 2 stations connected' },
    ]);
  });

  it('closes with 4029 a station that got past a concurrent handshake over the limit', async () => {
    const hold = gate();
    let waiting = 0;
    const t = await startCsms({
      auth: () => {
        waiting++;
        return hold.promise.then(() => true);
      },
      plugins: [connectionGuardPlugin({ maxConnections: 1 })],
    });
    const a = t.connect('CP1');
    const b = t.connect('CP2');
    // Both past the guard and in auth at once: the guard cannot refuse the second at its handshake.
    await until(() => waiting === 2);
    hold.open();
    const [sa, sb] = await Promise.all([a, b]);
    const codes = await Promise.race([sa.closed, sb.closed]);
    expect(codes.code).toBe(CONNECTION_LIMIT_CLOSE_CODE);
    await until(() => t.csms.connectedCount === 1, 5_000, 'one station left connected');
  });

  it('closes with the closeCode and closeReason given, and with forceCloseOnBackpressure a station that falls behind', async () => {
    const warned: string[] = [];
    const hold = gate();
    let waiting = 0;
    const t = await startCsms({
      backpressureBytes: 1,
      auth: ({ identity }) => {
        if (identity === 'SLOW') return true;
        waiting++;
        return hold.promise.then(() => true);
      },
      plugins: [
        connectionGuardPlugin({
          maxConnections: 2,
          closeCode: 4100,
          closeReason: 'fleet full',
          forceCloseOnBackpressure: true,
          logger: { warn: (line: unknown) => warned.push(String(line)) },
        }),
      ],
    });
    t.csms.handle('DataTransfer', () => ({ status: 'Accepted' as const, data: 'x'.repeat(4_000_000) }));
    const slow = await t.boot('SLOW');
    const a = t.connect('CP1');
    const b = t.connect('CP2');
    await until(() => waiting === 2);
    hold.open();
    const [sa, sb] = await Promise.all([a, b]);
    const over = await Promise.race([sa.closed, sb.closed]);
    expect(over).toEqual({ code: 4100, reason: 'fleet full' });
    // An answer far over backpressureBytes: the station is behind, and closed.
    slow.send([2, 'big', 'DataTransfer', { vendorId: 'v' }]);
    expect(await slow.closed).toMatchObject({ code: BACKPRESSURE_CLOSE_CODE });
    expect(warned).toEqual([
      expect.stringMatching(/^\[connection-guard\] limit 2 exceeded, closing CP[12]$/),
      expect.stringMatching(/^\[connection-guard\] backpressure \(\d+ bytes\), closing SLOW$/),
    ]);
  });
});

describe('piiRedactorPlugin', () => {
  it('hides values from logs and events while handlers see them (reference bug: the reverse)', async () => {
    const logged: object[] = [];
    const logger: Logger = { debug: (o) => logged.push(o), info: () => {}, warn: () => {}, error: () => {} };
    const t = await startCsms({ logger, logPayloads: true, plugins: [piiRedactorPlugin({ mask: '***' })] });
    const seenByHandler: unknown[] = [];
    t.csms.handle('Authorize', ({ payload }) => {
      seenByHandler.push(payload);
      return { idTagInfo: { status: 'Accepted' } };
    });
    const events = record(t.csms, 'message');
    const s = await t.boot('CP1');
    await s.call('Authorize', { idTag: 'SECRET-TAG-42' });
    expect(seenByHandler).toEqual([{ idTag: 'SECRET-TAG-42' }]);
    const text = JSON.stringify([...logged, ...events.message.map((e) => e.message)]);
    expect(text).not.toContain('SECRET-TAG-42');
    expect(
      events.message.find((e) => e.ctx.action === 'Authorize' && e.direction === 'IN')!.message,
    ).toMatchObject({
      payload: { idTag: '***' },
    });
    expect(JSON.stringify(logged)).toContain('***');
  });

  it('redacts nested fields (deep), and what handlers see only when asked to', async () => {
    const t = await startCsms({
      protocols: ['ocpp2.0.1'],
      plugins: [piiRedactorPlugin({ redactHandlers: true, fields: ['email'] })],
    });
    const seen: unknown[] = [];
    t.csms.handle('DataTransfer', ({ payload }) => {
      seen.push(payload);
      return { status: 'Accepted' };
    });
    const s = await t.boot('CP1', 'ocpp2.0.1');
    await s.call('DataTransfer', { vendorId: 'v', data: { user: { email: 'a@b.c' } } });
    expect(seen).toEqual([{ vendorId: 'v', data: { user: { email: '[REDACTED]' } } }]);
  });

  it("takes ocpp-ws-io 2.x's option names: sensitiveKeys, replacement, and incoming only when set", async () => {
    const logged: object[] = [];
    const logger: Logger = { debug: (o) => logged.push(o), info: () => {}, warn: () => {}, error: () => {} };
    const seen: unknown[] = [];
    const quiet = await startCsms({
      logger,
      logPayloads: true,
      plugins: [piiRedactorPlugin({ sensitiveKeys: ['idTag'], replacement: '#' })],
    });
    quiet.csms.handle('Authorize', ({ payload }) => {
      seen.push(payload);
      return { idTagInfo: { status: 'Accepted' } };
    });
    await (await quiet.boot('CP1')).call('Authorize', { idTag: 'SECRET-TAG-42' });
    const loud = await startCsms({
      plugins: [piiRedactorPlugin({ sensitiveKeys: ['vendorId'], replacement: 'x', incoming: true })],
    });
    loud.csms.handle('DataTransfer', ({ payload }) => {
      seen.push(payload);
      return { status: 'Accepted' };
    });
    await (await loud.boot('CP2')).call('DataTransfer', { vendorId: 'secret' });
    // Handlers see the original unless `incoming: true` says otherwise; logs never do.
    expect(seen).toEqual([{ idTag: 'SECRET-TAG-42' }, { vendorId: 'x' }]);
    expect(JSON.stringify(logged)).not.toContain('SECRET-TAG-42');
    const authorize = logged.find((o) => String((o as { raw?: string }).raw).includes('"Authorize"'));
    expect((authorize as { raw: string }).raw).toContain('{"idTag":"#"}');
  });
});

describe('circuitBreakerPlugin', () => {
  it("opens a station's circuit after failureThreshold failed calls and reports the change", async () => {
    const changes: string[] = [];
    const warned: string[] = [];
    const t = await startCsms({
      callTimeoutMs: 100,
      plugins: [
        circuitBreakerPlugin({
          failureThreshold: 2,
          resetTimeoutMs: 60_000,
          onStateChange: (id, from, to) => changes.push(`${id} ${from}->${to}`),
          logger: { warn: (line: unknown) => warned.push(String(line)) },
        }),
      ],
    });
    await t.boot('CP1');
    await expect(t.csms.call('CP1', 'ClearCache', {})).rejects.toThrow();
    expect(changes).toEqual([]);
    await expect(t.csms.call('CP1', 'ClearCache', {})).rejects.toThrow();
    await until(() => changes.length > 0);
    expect(changes).toEqual(['CP1 CLOSED->OPEN']);
    expect(warned).toEqual(['[circuit-breaker] CP1: CLOSED → OPEN']);
    const started = Date.now();
    await expect(t.csms.call('CP1', 'ClearCache', {})).rejects.toThrow(/open/i);
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('fails at once a call past maxConcurrent calls to one station; those within it go through', async () => {
    const t = await startCsms({ plugins: [circuitBreakerPlugin({ maxConcurrent: 2 })] });
    const s = await t.boot('CP1');
    // A reconfigure of the CSMS's own limit does not lift the plugin's.
    t.csms.reconfigure({ maxQueuedCalls: 50 });
    const first = t.csms.call('CP1', 'ClearCache', {});
    const second = t.csms.call('CP1', 'ClearCache', {});
    await expect(t.csms.call('CP1', 'ClearCache', {})).rejects.toBeInstanceOf(CallQueueFullError);
    for (let i = 0; i < 2; i++) {
      const req = await s.waitFor((m) => m[0] === 2 && m[2] === 'ClearCache');
      s.reply(req, { status: 'Accepted' });
    }
    expect(await first).toEqual({ status: 'Accepted' });
    expect(await second).toEqual({ status: 'Accepted' });
  });
});

describe('metricsPlugin', () => {
  it("serves Prometheus text on GET /metrics of the CSMS's own server; other plain requests still get 426", async () => {
    const metrics = metricsPlugin();
    const t = await startCsms({ plugins: [metrics] });
    const s = await t.boot('CP1');
    await s.call('Heartbeat', {});
    const slow = gate();
    t.csms.handle('DataTransfer', async () => {
      await slow.promise;
      return { status: 'Accepted' };
    });
    const dt = s.call('DataTransfer', { vendorId: 'v' });
    slow.open();
    await dt;
    await s.call('Heartbeat', {}, 'x'.repeat(2));
    s.send('garbage');
    await s.nextMessage();
    const res = await httpGet(httpUrl(t.url, '/metrics'));
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/text\/plain/);
    expect(res.body).toMatch(/^ocpp_connections_active 1$/m);
    expect(res.body).toMatch(/^ocpp_connections_peak 1$/m);
    expect(res.body).toMatch(/^ocpp_messages_total\{action="Heartbeat",direction="in",type="CALL"\} 2$/m);
    expect(res.body).toMatch(/^ocpp_call_duration_seconds_count\{action="DataTransfer",direction="in"\} 1$/m);
    // Cumulative buckets: the handling time (well under 30 s) is in the 30 s bucket and +Inf.
    expect(res.body).toMatch(
      /^ocpp_call_duration_seconds_bucket\{action="DataTransfer",direction="in",le="30"\} 1$/m,
    );
    expect(res.body).toMatch(
      /^ocpp_call_duration_seconds_bucket\{action="DataTransfer",direction="in",le="\+Inf"\} 1$/m,
    );
    expect(res.body).toMatch(
      /^ocpp_call_duration_seconds_sum\{action="DataTransfer",direction="in"\} 0\.\d+/m,
    );
    expect(res.body).toMatch(/^ocpp_call_errors_total\{code="[A-Za-z]+",direction="out"\} 1$/m);
    expect((await httpGet(httpUrl(t.url, '/'))).status).toBe(426);
    expect(metrics.getMetrics()).toMatchObject({
      activeConnections: 1,
      peakConnections: 1,
      totalConnections: 1,
    });
    expect(await t.csms.metrics()).toMatch(/^ocpp_connections_total 1$/m);
  });

  it('bounds the action labels a station can create with made-up actions', async () => {
    const metrics = metricsPlugin();
    const t = await startCsms({ plugins: [metrics] });
    const s = await t.boot('CP1');
    for (let i = 0; i < 300; i++) s.send([2, `m${i}`, `Made${i}`, {}]);
    await s.waitFor((m) => m[1] === 'm299');
    const text = await metrics.registry.getSingleMetricAsString('ocpp_messages_total');
    const actions = new Set([...text.matchAll(/action="([^"]+)"/g)].map((m) => m[1]));
    expect(actions.size).toBeLessThanOrEqual(257);
    expect(actions.has('other')).toBe(true);
  });

  it("fills ocpp-ws-io's snapshot fields: disconnections and their mean duration, frames by type, faults by kind", async () => {
    const metrics = metricsPlugin({ intervalMs: 0 });
    const t = await startCsms({
      plugins: [metrics],
      securityProfile: 1,
      auth: (req) => req.password?.toString() === 'pw',
    });
    expect((await t.refused('CP9', { auth: { password: 'no' } })).status).toBe(401);
    t.csms.handle('DataTransfer', () => {
      throw new Error('vendor table missing');
    });
    const s = await t.connect('CP1', { auth: { password: 'pw' } });
    expect((await s.call('BootNotification', bootPayload('ocpp1.6')))[0]).toBe(3);
    expect((await s.call('DataTransfer', { vendorId: 'v' }))[2]).toBe('InternalError');
    const bad = nextEvent(t.csms, 'badMessage');
    s.send('not JSON');
    await bad;
    const gone = nextEvent(t.csms, 'disconnected');
    await s.close();
    const { durationMs } = await gone;
    const snap = metrics.getMetrics();
    expect(snap).toMatchObject({
      totalConnections: 1,
      totalDisconnections: 1,
      connectionDurationAvgMs: Math.round(durationMs),
      totalAuthFailures: 1,
      totalHandlerErrors: 1,
      totalBadMessages: 1,
      totalCalls: 2,
      totalCallResults: 1,
      totalMessagesIn: snap.messagesIn,
      totalMessagesOut: snap.messagesOut,
      totalRateLimitHits: 0,
      totalEvictions: 0,
    });
    expect(snap.totalCallErrors).toBeGreaterThanOrEqual(1);
    expect(Date.parse(snap.timestamp)).toBeGreaterThan(0);
    expect(snap.uptimeMs).toBeGreaterThanOrEqual(0);
    expect(await metrics.registry.getSingleMetricAsString('ocpp_incidents_total')).toMatch(
      /ocpp_incidents_total\{kind="handler_error"\} 1/,
    );
  });

  it("counts the offline queue's outcomes: a command dropped unanswered, the next one delivered", async () => {
    const metrics = metricsPlugin({ intervalMs: 0 });
    const t = await startCsms({ callTimeoutMs: 100, replay: { maxAttempts: 1 }, plugins: [metrics] });
    const dropped = nextEvent(t.csms, 'commandDropped', undefined, 5_000);
    const delivered = nextEvent(t.csms, 'commandDelivered', undefined, 5_000);
    await t.csms.enqueue('CP1', 'ClearCache', {});
    await t.csms.enqueue('CP1', 'UnlockConnector', { connectorId: 1 });
    const s = await t.boot('CP1');
    await s.waitFor((m) => m[0] === 2 && m[2] === 'ClearCache');
    await dropped;
    const unlock = await s.waitFor((m) => m[0] === 2 && m[2] === 'UnlockConnector', 5_000);
    s.reply(unlock, { status: 'Unlocked' });
    await delivered;
    const text = await metrics.registry.getSingleMetricAsString('ocpp_offline_commands_total');
    expect(text).toMatch(/^ocpp_offline_commands_total\{outcome="dropped"\} 1$/m);
    expect(text).toMatch(/^ocpp_offline_commands_total\{outcome="delivered"\} 1$/m);
  });

  it('counts plugin errors and security events, and calls onSnapshot on its interval', async () => {
    const snaps: number[] = [];
    const metrics = metricsPlugin({ intervalMs: 20, onSnapshot: (s) => snaps.push(s.totalPluginErrors) });
    const t = await startCsms({
      plugins: [
        metrics,
        {
          name: 'broken',
          onConnection: () => {
            throw new Error('x');
          },
        },
      ],
    });
    await t.boot('CP1');
    await until(() => snaps.some((n) => n === 1));
    expect(await metrics.registry.getSingleMetricAsString('ocpp_plugin_errors_total')).toMatch(
      /plugin="broken"} 1/,
    );
  });
});

describe('anomalyPlugin', () => {
  it('flags a reconnect storm with ANOMALY_RAPID_RECONNECT and, with action refuse, refuses it with 429', async () => {
    const t = await startCsms({ plugins: [anomalyPlugin({ reconnectThreshold: 3, action: 'refuse' })] });
    const events = record(t.csms, 'securityEvent');
    for (let i = 0; i < 3; i++) {
      const s = await t.connect('CP1');
      const gone = nextEvent(t.csms, 'disconnected');
      await s.close();
      await gone;
    }
    expect(events.securityEvent.filter((e) => e.type === 'ANOMALY_RAPID_RECONNECT')).toMatchObject([
      { identity: 'CP1', details: { count: 3 } },
    ]);
    expect((await t.refused('CP1')).status).toBe(429);
    await expectServed(await t.boot('CP2'));
  });

  it('flags message fuzzing and auth brute force', async () => {
    const t = await startCsms({
      securityProfile: 1,
      auth: ({ password }) => password?.toString() === 'good',
      plugins: [anomalyPlugin({ badMessageThreshold: 3, authFailureThreshold: 2 })],
    });
    const events = record(t.csms, 'securityEvent');
    const s = await t.connect('CP1', { auth: { password: 'good' } });
    for (let i = 0; i < 3; i++) {
      s.send(`bad ${i}`);
      await s.nextMessage();
    }
    await t.refused('CP2', { auth: { password: 'bad' } });
    await t.refused('CP2', { auth: { password: 'worse' } });
    const types = events.securityEvent.map((e) => e.type);
    expect(types).toContain('ANOMALY_MESSAGE_FUZZING');
    expect(types).toContain('ANOMALY_AUTH_BRUTE_FORCE');
  });
});
