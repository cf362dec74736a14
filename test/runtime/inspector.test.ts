/**
 * `inspect` as the README shows it: @statelyai/inspect's WebSocket inspector, whose `inspect` is an
 * observer object, streaming over a real socket to a receiver (the role the Stately inspector UI plays).
 */
import { isDeepStrictEqual } from 'node:util';
import { createWebSocketInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { AnyActorRef } from 'xstate';
import { OptionsError } from '../../src/index.js';
import { cleanup, startCsms, until } from './harness.js';

let receiver: WebSocketServer | undefined;
let stopInspector: (() => void) | undefined;
afterEach(async () => {
  stopInspector?.();
  await cleanup();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
});

async function startReceiver(): Promise<{ url: string; events: StatelyInspectionEvent[] }> {
  const events: StatelyInspectionEvent[] = [];
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  receiver = wss;
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (socket) =>
    socket.on('message', (data) => events.push(JSON.parse(String(data)) as StatelyInspectionEvent)),
  );
  const { port } = wss.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}`, events };
}

describe('inspect', () => {
  it('takes the observer of a @statelyai/inspect inspector: station actors and their snapshots arrive', async () => {
    const { url, events } = await startReceiver();
    const inspector = createWebSocketInspector({ url });
    stopInspector = () => inspector.stop();
    const t = await startCsms({ inspect: inspector.inspect });
    await t.boot('CP-INSPECTED');

    // The inspector names each actor by its id (the station identity) and tags what follows with its session.
    const session = () =>
      events.find((e) => e.type === '@xstate.actor' && e.name === 'CP-INSPECTED')?.sessionId;
    await until(
      () =>
        events.some(
          (e) =>
            e.type === '@xstate.snapshot' &&
            e.sessionId === session() &&
            isDeepStrictEqual((e.snapshot as { value?: unknown }).value, {
              connection: 'open',
              registration: 'accepted',
            }),
        ),
      5_000,
    );
    const actor = events.find((e) => e.sessionId === session() && e.type === '@xstate.actor');
    expect(actor).toMatchObject({ definition: expect.stringContaining('registration') });
    expect(events).toContainEqual(
      expect.objectContaining({
        type: '@xstate.event',
        sessionId: session(),
        event: expect.objectContaining({ type: 'BOOT_RESULT' }),
      }),
    );
  });

  it('takes a function', async () => {
    const actors: string[] = [];
    const t = await startCsms({
      inspect: (e) => {
        if (e.type === '@xstate.actor') actors.push((e.actorRef as AnyActorRef).id);
      },
    });
    await t.boot('CP-FN');
    expect(actors).toContain('CP-FN');
  });

  it('refuses anything else with an OptionsError naming the option', async () => {
    await expect(startCsms({ inspect: { nope: true } as never })).rejects.toThrow(OptionsError);
    await expect(startCsms({ inspect: 'yes' as never })).rejects.toThrow(
      /inspect must be a function or an observer/,
    );
  });
});
