import { Deque } from '../util/deque.js';

/** Default of `callsPerTurn`: the best of 16, 32, 64 and 256 in A/B runs of bench:proxy (NOTES.md). */
export const DEFAULT_CALLS_PER_TURN = 64;

/**
 * Starts at most `perTurn` station CALLs per turn of the event loop; the rest wait, in the order they
 * came, for the following turns. Why: a saturated proxy reads every station with a frame ready in one
 * turn (1,000 at once in bench:proxy), and each call's objects (translated payload, upstream frame,
 * promises) then live until its CSMS answer is read in a later turn, hundreds of milliseconds away:
 * long enough to be promoted to the old generation, where collecting them cost a third of the proxy's
 * CPU. With a per-turn budget the answers of admitted calls come back within a few short turns and
 * their objects die young; a waiting call holds only its decoded frame.
 *
 * Bounded without a limit of its own: a station has one CALL in handling at a time (its next one waits
 * in its inbound queue), so at most one job per connected station waits here. A budget per turn, not a
 * cap on calls in flight: a slow CSMS (many calls waiting for answers, little CPU used) is never throttled.
 */
export class TurnGate {
  private startedThisTurn = 0;
  private readonly waiting = new Deque<() => void>();
  private turnScheduled = false;

  /** `perTurn` <= 0: no budget, every job starts at once. */
  constructor(private readonly perTurn: number) {}

  /** Jobs waiting for a later turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Run `job` now if this turn has room, else in a later turn (`deferred` true then: the caller may
   * have given up on it meanwhile).
   */
  run<T>(job: (deferred: boolean) => Promise<T>): Promise<T> {
    if (this.perTurn <= 0) return job(false);
    if (this.startedThisTurn < this.perTurn && this.waiting.length === 0) {
      // The count is reset at the end of a turn, scheduled only once it is half spent: a quiet proxy
      // (a call now and then) would otherwise pay an extra turn of the event loop for every call.
      if (++this.startedThisTurn >= this.perTurn >> 1) this.scheduleTurnEnd();
      return job(false);
    }
    this.scheduleTurnEnd();
    return new Promise<T>((resolve, reject) => {
      this.waiting.push(() => {
        try {
          job(true).then(resolve, reject);
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  private scheduleTurnEnd(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    // setImmediate runs after the current turn's I/O callbacks: the budget is per turn, so it resets here.
    setImmediate(this.nextTurn);
  }

  private readonly nextTurn = (): void => {
    this.turnScheduled = false;
    this.startedThisTurn = 0;
    while (this.waiting.length > 0 && this.startedThisTurn < this.perTurn) {
      this.startedThisTurn++;
      this.waiting.shift()!();
    }
    // What started here counts against the next turn's I/O; the turn after resets it again.
    if (this.startedThisTurn > 0 || this.waiting.length > 0) this.scheduleTurnEnd();
  };
}
