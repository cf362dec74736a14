import { Deque } from './deque.js';

/**
 * Default budget of the proxy's `callsPerTurn` and of its CsmsAdapter's `framesPerTurn` (tuned together:
 * 64 beat 16, 32, 128 and 256 in A/B runs of bench:proxy, NOTES.md).
 */
export const DEFAULT_TURN_BUDGET = 64;

/**
 * A budget of jobs per turn of the event loop, shared by every connection of a process part: the first
 * `perTurn` jobs of a turn run at once, the rest wait in arrival order for the next turns. Under
 * saturation a Node server otherwise works through every socket with data ready in one turn (a
 * thousand at once), and whatever a job leaves waiting for a later turn (an answer from elsewhere) lives
 * long enough to be promoted to the old generation. With the budget, turns stay short.
 */
export class TurnBudget {
  private usedThisTurn = 0;
  private readonly waiting = new Deque<() => void>();
  private turnScheduled = false;

  /** `perTurn` > 0. */
  constructor(readonly perTurn: number) {}

  /** Jobs waiting for a later turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /** May a job run now? Counts it if so. False while others wait, so the order of arrival is kept. */
  take(): boolean {
    if (this.usedThisTurn >= this.perTurn || this.waiting.length > 0) return false;
    // The count is reset at the end of a turn, scheduled only once it is half spent: a quiet process
    // (a job now and then) would otherwise pay an extra turn of the event loop for every job.
    if (++this.usedThisTurn >= this.perTurn >> 1) this.scheduleTurnEnd();
    return true;
  }

  /** Run `job` in a later turn, after those already waiting. */
  defer(job: () => void): void {
    this.waiting.push(job);
    this.scheduleTurnEnd();
  }

  private scheduleTurnEnd(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    // setImmediate runs after this turn's I/O callbacks: the budget is per turn, so it resets here.
    setImmediate(this.nextTurn);
  }

  private readonly nextTurn = (): void => {
    this.turnScheduled = false;
    this.usedThisTurn = 0;
    while (this.waiting.length > 0 && this.usedThisTurn < this.perTurn) {
      this.usedThisTurn++;
      this.waiting.shift()!();
    }
    // What ran here counts against the next turn's I/O; the turn after resets it again.
    if (this.usedThisTurn > 0 || this.waiting.length > 0) this.scheduleTurnEnd();
  };
}
