import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import {
  DEFAULT_RETRY_BASE_MS,
  DEFAULT_RETRY_MAX_MS,
  replayBackoffMs,
  replayMachine,
  replayStateOf,
} from '../../src/machines/replay.js';
import { settle } from './model-kit.js';
import { startReplay } from './replay-harness.js';

describe('replayMachine', () => {
  it('waits in idle until the station is ready', async () => {
    const r = startReplay({ queue: ['a'] });
    r.actor.send({ type: 'ENQUEUED' });
    await settle();
    expect(r.state()).toBe('idle');
    expect(r.sent).toEqual([]);
  });

  it('flushes in order, one command at a time, then drains', async () => {
    const r = startReplay({ queue: ['a', 'b', 'c'] });
    r.actor.send({ type: 'STATION_READY' });
    await settle();
    expect(r.sent).toEqual(['a', 'b', 'c']);
    expect(r.queue).toEqual([]);
    expect(r.state()).toBe('drained');
    expect(r.progress).toEqual([
      { outcome: 'delivered', delivered: 1, failed: 0 },
      { outcome: 'delivered', delivered: 2, failed: 0 },
      { outcome: 'delivered', delivered: 3, failed: 0 },
      { outcome: 'drained', delivered: 3, failed: 0 },
    ]);
    expect(r.inputs[0]).toEqual({ identity: 'CS-1', attempt: 0 });
  });

  it('sends one CALL at a time', async () => {
    const r = startReplay({ queue: ['a', 'b'] });
    r.station.hang = true;
    r.actor.send({ type: 'STATION_READY' });
    await settle();
    expect(r.sent).toEqual(['a']);
    r.pending[0]?.resolve({ delivered: true });
    await settle();
    expect(r.sent).toEqual(['a', 'b']);
  });

  it('flushes again when a command is queued after draining', async () => {
    const r = startReplay({ queue: [] });
    r.actor.send({ type: 'STATION_READY' });
    await settle();
    expect(r.state()).toBe('drained');
    r.queue.push('late');
    r.actor.send({ type: 'ENQUEUED' });
    await settle();
    expect(r.sent).toEqual(['late']);
    expect(r.state()).toBe('drained');
  });

  it('does not miss a command queued while the queue was being found empty', async () => {
    const r = startReplay({ mode: 'manual' });
    r.actor.send({ type: 'STATION_READY' });
    await settle();
    r.actor.send({ type: 'ENQUEUED' });
    r.pending[0]?.resolve({ empty: true });
    await settle();
    expect(r.state()).toBe('flushing');
    expect(r.pending).toHaveLength(1);
    r.pending[0]?.resolve({ empty: true });
    await settle();
    expect(r.state()).toBe('drained');
  });

  it('pauses when the station goes away mid-delivery and delivers that command again', async () => {
    const r = startReplay({ queue: ['a', 'b'] });
    r.station.hang = true;
    r.actor.send({ type: 'STATION_READY' });
    await settle();
    const inFlight = r.pending[0];
    r.actor.send({ type: 'STATION_GONE' });
    expect(r.state()).toBe('paused.offline');
    expect(inFlight?.signal.aborted).toBe(true);
    inFlight?.resolve({ delivered: true });
    await settle();
    expect(r.queue).toEqual(['a', 'b']);
    r.station.hang = false;
    r.actor.send({ type: 'STATION_READY' });
    await settle();
    expect(r.sent).toEqual(['a', 'a', 'b']);
    expect(r.state()).toBe('drained');
    expect(r.context()).toMatchObject({ delivered: 2, failed: 0 });
  });

  it('retries a failed delivery after an exponential, capped back-off', async () => {
    const r = startReplay({ queue: ['a'] });
    r.station.failures = 5;
    r.actor.send({ type: 'STATION_READY' });
    await settle();
    expect(r.state()).toBe('paused.backingOff');
    for (const wait of [1_000, 2_000, 4_000, 8_000, 8_000]) {
      const before = r.sent.length;
      r.clock.increment(wait - 1);
      await settle();
      expect(r.sent.length).toBe(before);
      r.clock.increment(1);
      await settle();
      expect(r.sent.length).toBe(before + 1);
    }
    expect(r.state()).toBe('drained');
    expect(r.context()).toMatchObject({ delivered: 1, failed: 5, attempt: 0 });
    expect(r.inputs.map((i) => i.attempt)).toEqual([0, 1, 2, 3, 4, 5, 0]);
    expect(r.progress.filter((p) => p.outcome === 'failed')).toHaveLength(5);
  });

  it('starts the back-off over after a success', async () => {
    const r = startReplay({ queue: ['a', 'b'] });
    r.station.failures = 2;
    r.actor.send({ type: 'STATION_READY' });
    await settle();
    r.clock.increment(1_000);
    await settle();
    r.clock.increment(2_000);
    await settle();
    expect(r.sent).toEqual(['a', 'a', 'a', 'b']);
    r.queue.push('c');
    r.station.failures = 1;
    r.actor.send({ type: 'ENQUEUED' });
    await settle();
    expect(r.state()).toBe('paused.backingOff');
    r.clock.increment(1_000);
    await settle();
    expect(r.state()).toBe('drained');
  });

  it('stops retrying once the station is gone, and flushes at once when it is back', async () => {
    const r = startReplay({ queue: ['a'] });
    r.station.failures = 1;
    r.actor.send({ type: 'STATION_READY' });
    await settle();
    r.actor.send({ type: 'STATION_GONE' });
    expect(r.state()).toBe('paused.offline');
    r.clock.increment(60_000);
    await settle();
    expect(r.sent).toEqual(['a']);
    r.actor.send({ type: 'STATION_READY' });
    await settle();
    expect(r.sent).toEqual(['a', 'a']);
    expect(r.state()).toBe('drained');
  });

  it('drains without retrying when the queue empties by other means', async () => {
    const r = startReplay({ queue: ['a'] });
    r.station.failures = 1;
    r.actor.send({ type: 'STATION_READY' });
    await settle();
    r.actor.send({ type: 'QUEUE_EMPTY' });
    expect(r.state()).toBe('drained');
    r.clock.increment(60_000);
    await settle();
    expect(r.sent).toEqual(['a']);
    expect(r.progress.at(-1)).toEqual({ outcome: 'drained', delivered: 0, failed: 1 });
  });

  it('goes back to idle when the station leaves a drained queue', async () => {
    const r = startReplay({ queue: [] });
    r.actor.send({ type: 'STATION_READY' });
    await settle();
    r.actor.send({ type: 'STATION_GONE' });
    expect(r.state()).toBe('idle');
  });

  it('jitters the back-off', async () => {
    const r = startReplay({ queue: ['a'], jitter: (ms) => ms / 2 });
    r.station.failures = 1;
    r.actor.send({ type: 'STATION_READY' });
    await settle();
    r.clock.increment(500);
    await settle();
    expect(r.sent).toEqual(['a', 'a']);
  });

  it('fails loudly, and backs off, when deliverNext was not provided', async () => {
    const clock = new SimulatedClock();
    const actor = createActor(replayMachine, { clock, input: { identity: 'CS-1' } }).start();
    actor.send({ type: 'STATION_READY' });
    await settle();
    expect(replayStateOf(actor.getSnapshot())).toBe('paused.backingOff');
    expect(actor.getSnapshot().context).toMatchObject({
      failed: 1,
      retryBaseMs: DEFAULT_RETRY_BASE_MS,
      retryMaxMs: DEFAULT_RETRY_MAX_MS,
    });
    actor.stop();
  });
});

describe('replayBackoffMs', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => replayBackoffMs(n, 500, 10_000))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 10_000,
    ]);
    expect(replayBackoffMs(0, 500, 10_000)).toBe(500);
  });
});
