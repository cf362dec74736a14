import { TurnBudget } from '../util/turn-budget.js';

/**
 * Starts at most `perTurn` station CALLs per turn of the event loop; the rest wait, in the order they
 * came, for the following turns. Why: a saturated proxy reads every station with a frame ready in one
 * turn (1,000 at once in bench:proxy), and each call's objects (translated payload, upstream frame,
 * promises) then live until its CSMS answer is read in a later turn, hundreds of milliseconds away:
 * long enough to be promoted to the old generation, where collecting them cost a third of the proxy's
 * CPU. With a per-turn budget the answers of admitted calls come back within a few short turns and
 * their objects die young; a waiting call holds only its decoded frame. (CsmsAdapter also budgets
 * frames before they are decoded, `framesPerTurn`; this gate serves every adapter.)
 *
 * Bounded without a limit of its own: a station has one CALL in handling at a time (its next one waits
 * in its inbound queue), so at most one job per connected station waits here. A budget per turn, not a
 * cap on calls in flight: a slow CSMS (many calls waiting for answers, little CPU used) is never throttled.
 */
export class TurnGate {
  private readonly budget: TurnBudget | undefined;

  /** `perTurn` <= 0: no budget, every job starts at once. */
  constructor(perTurn: number) {
    this.budget = perTurn > 0 ? new TurnBudget(perTurn) : undefined;
  }

  /** Jobs waiting for a later turn. */
  get queued(): number {
    return this.budget?.queued ?? 0;
  }

  /**
   * Run `job` now if this turn has room, else in a later turn (`deferred` true then: the caller may
   * have given up on it meanwhile).
   */
  run<T>(job: (deferred: boolean) => Promise<T>): Promise<T> {
    const budget = this.budget;
    if (!budget || budget.take()) return job(false);
    return new Promise<T>((resolve, reject) => {
      budget.defer(() => {
        try {
          job(true).then(resolve, reject);
        } catch (error) {
          reject(error);
        }
      });
    });
  }
}
