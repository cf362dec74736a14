import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { UsageError } from '../../src/cli/args.js';
import { parseServeArgs, type RunningServer, startServer } from '../../src/cli/serve.js';
import { freePort } from '../support/nats-server.js';
import { bootPayload, connectStation } from '../support/station-socket.js';
import { until } from '../support/wait.js';

const running: RunningServer[] = [];
const sockets: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await Promise.all(running.splice(0).map((s) => s.csms.close({ drainMs: 0 })));
});

const base = { port: 0, host: '127.0.0.1', quiet: true, version: '0.0.0', securityProfile: 0 as const };

describe('serve: the operator page', () => {
  it('is on by default with a random token the banner prints; the page refuses anyone without it', async () => {
    const server = await startServer(base, () => {});
    running.push(server);
    const line = server.operatorNotes.find((l) => l.includes('operator page'))!;
    const m = /(http:\/\/127\.0\.0\.1:\d+\/ops)\/#token=(\S+)/.exec(line);
    expect(m, line).not.toBeNull();
    const [, page, token] = m!;
    expect(token!.length).toBeGreaterThanOrEqual(16);
    const s = await connectStation(server.url, 'CP-SERVE-1', { protocols: ['ocpp2.0.1'] });
    sockets.push(s);
    await s.call('BootNotification', bootPayload('ocpp2.0.1'));
    expect((await fetch(`${page}/api/stations`)).status).toBe(401);
    const ok = await fetch(`${page}/api/stations`, { headers: { Authorization: `Bearer ${token}` } });
    expect(((await ok.json()) as { rows: unknown[][] }).rows[0]?.slice(0, 4)).toEqual([
      'CP-SERVE-1',
      'ocpp2.0.1',
      'open',
      'accepted',
    ]);
  });

  it('takes --ops-token, refuses a short one, and --no-ops leaves no page', async () => {
    expect(parseServeArgs(['--ops-token', 'a-token-of-16-chars'], '0')).toMatchObject({
      opsToken: 'a-token-of-16-chars',
    });
    expect(() => parseServeArgs(['--ops-token', 'short'], '0')).toThrow(UsageError);
    expect(() => parseServeArgs(['--no-ops', '--inspect'], '0')).toThrow(/--no-ops/);
    expect(() => parseServeArgs(['--inspect-port', '9'], '0')).toThrow(/needs --inspect/);
    const server = await startServer({ ...base, noOps: true }, () => {});
    running.push(server);
    expect(server.operatorNotes).toEqual([]);
    const http = server.url.replace('ws://', 'http://');
    expect((await fetch(`${http}/ops/api/stations`)).status).toBe(426);
  });

  it('--inspect: "Inspect in Stately" streams the chosen station to the Stately inspector bridge', async () => {
    const inspectPort = await freePort();
    const token = 'serve-inspect-token-0123';
    const server = await startServer({ ...base, opsToken: token, inspectPort }, () => {});
    running.push(server);
    // What the Stately inspector page in a browser does: connect to the bridge and read what it relays.
    const viewer = new WebSocket(`ws://localhost:${inspectPort}`);
    const seen: { type: string; name?: string }[] = [];
    viewer.on('message', (data) => seen.push(JSON.parse(String(data)) as (typeof seen)[number]));
    await new Promise((resolve, reject) => viewer.once('open', resolve).once('error', reject));
    try {
      const s = await connectStation(server.url, 'CP-STATELY', { protocols: ['ocpp1.6'] });
      sockets.push(s);
      await s.call('BootNotification', bootPayload('ocpp1.6'));
      const page = `${server.url.replace('ws://', 'http://')}/ops`;
      const r = await fetch(`${page}/api/stations/CP-STATELY/inspect`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ on: true }),
      });
      expect(await r.json()).toEqual({ inspected: true });
      await until(() => seen.some((e) => e.type === '@xstate.actor' && e.name === 'CP-STATELY'), 10_000);
      expect(seen.some((e) => e.type === '@xstate.snapshot')).toBe(true);
    } finally {
      viewer.close();
    }
  });
});
