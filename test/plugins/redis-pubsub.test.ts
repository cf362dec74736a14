import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { redisPubSubPlugin } from '../../src/plugins/redis-pubsub.js';
import { SinkDeliveryError } from '../../src/plugins/sink-errors.js';
import type { SinkRecord } from '../../src/plugins/sink-events.js';
import { cleanup, expectServed, nextEvent, startCsms, until } from '../runtime/harness.js';
import { closedPort, eventually } from './backends.js';

// Real Redis on 127.0.0.1:6379 (.ci/services starts it); each test uses keys of its own prefix.
const clients: Redis[] = [];
function redis(port = 6379, extra: RedisOptions = {}): Redis {
  const c = new Redis({ host: '127.0.0.1', port, lazyConnect: false, ...extra });
  c.on('error', () => {}); // connection errors surface as failed commands, which the tests assert
  clients.push(c);
  return c;
}
afterEach(async () => {
  await cleanup();
  for (const c of clients.splice(0)) c.disconnect();
});

/** The client, counting the round trips the plugin makes. */
function counting(client: Redis) {
  const counts = { pipelines: 0, commands: 0 };
  const wrapped = {
    publish: (ch: string, m: string) => {
      counts.commands++;
      return client.publish(ch, m);
    },
    xadd: (k: string, ...a: (string | number)[]) => {
      counts.commands++;
      return client.xadd(k, ...(a as [string]));
    },
    pipeline: () => {
      counts.pipelines++;
      return client.pipeline();
    },
  };
  return { client: wrapped, counts };
}

describe('redisPubSubPlugin', () => {
  it('PUBLISHes events to {prefix}:{event}, one pipeline per batch; a subscriber reads them', async () => {
    const prefix = `t14b:${randomUUID()}`;
    const sub = redis();
    const got: SinkRecord[] = [];
    sub.on('pmessage', (_p, _ch, m) => got.push(JSON.parse(m) as SinkRecord));
    await sub.psubscribe(`${prefix}:*`);
    const { client, counts } = counting(redis());
    const t = await startCsms({
      plugins: [redisPubSubPlugin({ client, prefix, queue: { maxWaitMs: 200 } })],
    });
    const stations = await Promise.all(['CP1', 'CP2', 'CP3', 'CP4'].map((id) => t.boot(id)));
    await stations[2]!.close();
    await until(() => got.some((r) => r.event === 'disconnect'));
    expect(
      got
        .filter((r) => r.event === 'connect')
        .map((r) => r.identity)
        .sort(),
    ).toEqual(['CP1', 'CP2', 'CP3', 'CP4']);
    expect(got.find((r) => r.event === 'disconnect')).toMatchObject({
      identity: 'CP3',
      payload: { code: expect.any(Number) },
    });
    expect(counts.pipelines).toBeLessThan(got.length);
  });

  it("takes ocpp-ws-io 2.x's serialize", async () => {
    const prefix = `t14b:${randomUUID()}`;
    const sub = redis();
    const got: string[] = [];
    sub.on('pmessage', (_p, _ch, m) => got.push(m));
    await sub.psubscribe(`${prefix}:*`);
    const t = await startCsms({
      plugins: [
        redisPubSubPlugin({
          client: redis(),
          prefix,
          events: ['connect'],
          serialize: (r) => `${r.event}|${r.identity}`,
        }),
      ],
    });
    await t.boot('CP1');
    await until(() => got.length === 1);
    expect(got).toEqual(['connect|CP1']);
  });

  it("XADDs to a stream in mode 'stream'; XRANGE reads the records", async () => {
    const prefix = `t14b:${randomUUID()}`;
    const r = redis();
    const t = await startCsms({
      plugins: [
        redisPubSubPlugin({
          client: r,
          prefix,
          mode: 'stream',
          events: ['connect', 'message'],
          queue: { maxWaitMs: 20 },
        }),
      ],
    });
    const s = await t.boot('CP1');
    await expectServed(s);
    const entries = await eventually(
      () => r.xrange(`${prefix}:connect`, '-', '+'),
      (e) => e.length > 0,
      'stream entries',
    );
    expect(entries).toHaveLength(1);
    const [, fields] = entries[0]!;
    expect(fields[0]).toBe('data');
    expect(JSON.parse(fields[1]!)).toMatchObject({ event: 'connect', identity: 'CP1' });
    // BootNotification and Heartbeat, each way; payloads are left out by default.
    const messages = await eventually(
      () => r.xrange(`${prefix}:message`, '-', '+'),
      (m) => m.length >= 4,
      'messages',
    );
    const first = JSON.parse(messages[0]![1][1]!) as SinkRecord;
    expect(first.payload).toMatchObject({ direction: 'IN', type: 'CALL', action: 'BootNotification' });
    expect(first.payload).not.toHaveProperty('payload');
    await r.del(`${prefix}:connect`, `${prefix}:message`);
  });

  it.each([
    ['fails fast (no offline queue)', { enableOfflineQueue: false }],
    ['queues offline (hangs): the send timeout', {}],
  ])('Redis down, client %s: reported as pluginError; stations served', async (_w, extra) => {
    const down = redis(await closedPort(), { ...extra, maxRetriesPerRequest: null, retryStrategy: () => 50 });
    const t = await startCsms({
      plugins: [
        redisPubSubPlugin({
          client: down,
          prefix: 't14b:down',
          events: ['connect'],
          queue: { retries: 1, retryDelayMs: 10, maxWaitMs: 0, sendTimeoutMs: 200 },
        }),
      ],
    });
    const failed = nextEvent(t.csms, 'pluginError', undefined, 5_000);
    const s = await t.boot('CP1');
    const e = await failed;
    expect(e.plugin).toBe('redis-pubsub');
    expect(e.error).toBeInstanceOf(SinkDeliveryError);
    expect(e.error).toMatchObject({ attempts: 2 });
    await expectServed(s);
  });
});
