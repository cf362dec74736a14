import { describe, expect, it } from 'vitest';
import { assign, createActor, fromTransition, setup } from 'xstate';
import { ActorTemplate } from '../../src/actors/actor-template.js';
import { type StationInput, stationContext, stationMachineWith } from '../../src/machines/station.js';

// A fixed clock, so two actors fed the same events have equal contexts.
const stationMachine = stationMachineWith({ now: () => 42 });

const system = () => createActor(fromTransition((s: null) => s, null)).start();
const input = (identity: string): StationInput => ({
  identity,
  protocol: 'ocpp2.0.1',
  connectedAt: 42,
});

describe('ActorTemplate', () => {
  it('starts station actors from the template, in the same state as createActor would', () => {
    const template = new ActorTemplate(stationMachine, stationContext, input('sample'));
    expect(template.shortcut).toBe(true);
    const parent = system();
    const fromTemplate = template.create({ id: 'CS-1', parent, input: input('CS-1') }).start();
    const ordinary = createActor(stationMachine, { input: input('CS-1') }).start();
    const view = (a: typeof ordinary) => {
      const { value, context, status } = a.getSnapshot();
      return { value, status, context };
    };
    expect(view(fromTemplate)).toEqual(view(ordinary));
    for (const event of [
      { type: 'BOOT_RESULT', status: 'Accepted', interval: 300 },
      { type: 'DISCONNECTED' },
      { type: 'CONNECTED', protocol: 'ocpp2.0.1' },
    ] as const) {
      fromTemplate.send(event);
      ordinary.send(event);
      expect(view(fromTemplate)).toEqual(view(ordinary));
    }
    expect(fromTemplate.getSnapshot().context.connections).toBe(2);
  });

  it('gives every actor its own context', () => {
    const template = new ActorTemplate(stationMachine, stationContext, input('sample'));
    const parent = system();
    const a = template.create({ id: 'A', parent, input: input('A') }).start();
    const b = template.create({ id: 'B', parent, input: input('B') }).start();
    a.send({ type: 'BOOT_RESULT', status: 'Accepted', interval: 300 });
    expect(a.getSnapshot().context.identity).toBe('A');
    expect(b.getSnapshot().context).toMatchObject({ identity: 'B', bootStatus: undefined });
    expect(b.getSnapshot().value).toEqual({ connection: 'open', registration: 'unregistered' });
  });

  it('falls back to createActor when entering the initial state does something', () => {
    let entered = 0;
    const machine = setup({
      types: { context: {} as { n: number }, input: {} as { n: number } },
      actions: { count: () => void entered++ },
    }).createMachine({
      context: ({ input }) => ({ n: input.n }),
      initial: 'idle',
      states: {
        idle: { entry: 'count', on: { GO: { actions: assign({ n: ({ context }) => context.n + 1 }) } } },
      },
    });
    const template = new ActorTemplate(machine, (i) => ({ n: i.n }), { n: 0 });
    expect(template.shortcut).toBe(false);
    entered = 0;
    const actor = template.create({ id: 'x', parent: system(), input: { n: 5 } }).start();
    expect(entered).toBe(1);
    actor.send({ type: 'GO' });
    expect(actor.getSnapshot().context.n).toBe(6);
  });

  it('falls back for a delayed transition out of the initial state', () => {
    const machine = setup({}).createMachine({
      initial: 'waiting',
      states: { waiting: { after: { 1000: 'done' } }, done: {} },
    });
    expect(new ActorTemplate(machine, () => ({}), undefined as never).shortcut).toBe(false);
  });
});
