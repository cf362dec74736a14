import { type AnyActorRef, createActor, fromTransition } from 'xstate';
import type { Logger } from '../util/logger.js';
import type { ActorClock } from './options.js';

/**
 * The actor whose XState system every station actor of one CSMS joins (as its parent): one clock, one
 * inspection stream, and a station actor's failure (XState's parent error event) logged, never silent.
 */
export function createStationSystem(
  logger: Logger,
  clock: ActorClock | undefined,
  inspect: ((event: unknown) => void) | undefined,
): AnyActorRef & { stop(): void } {
  const system = createActor(
    fromTransition((state: null, event: { type: string; error?: unknown }) => {
      if (event.type.startsWith('xstate.error.actor.')) {
        logger.error(
          { identity: event.type.slice('xstate.error.actor.'.length), err: event.error },
          'station actor failed',
        );
      }
      return state;
    }, null),
    { id: 'csms', ...(clock && { clock }), ...(inspect && { inspect }) },
  );
  return system.start();
}
