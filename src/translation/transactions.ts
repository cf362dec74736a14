import { type AnyActorScope, createActor } from 'xstate';
import {
  type StoredTransaction,
  type TransactionEvent,
  type TransactionState,
  transactionMachine,
} from '../machines/transaction.js';
import type { ISessionStore } from './session.js';

/** Session keys; the identity is the store's first dimension, so these are per station. */
const evseKey = (evseId: number) => `tx/evse/${evseId}`;
const by16Key = (id16: number) => `tx/16/${id16}`;
const byIdKey = (id: string) => `tx/id/${id}`;

/** Store-wide counter of minted 1.6 transaction ids. */
export const TRANSACTION_ID_COUNTER = 'transactionId16';
/** Identity under which a store without `increment` keeps counters (not a valid 2.x identity: has ':'). */
const COUNTER_IDENTITY = ':counters';

/**
 * The transaction machines of every station and EVSE, kept in the session store: each event loads the
 * EVSE's `{ state, context }`, applies the pure machine, writes it back and indexes the ids, so a
 * 1.6 id or a 2.x id finds its EVSE from any proxy node that shares the store. Nothing here reacts to
 * connections: a disconnect leaves every mapping in place.
 */
export class TransactionLedger {
  /** Per station+EVSE chain: an upstream event and a downstream command for one EVSE must not interleave. */
  private readonly chains = new Map<string, Promise<unknown>>();
  private counterChain: Promise<unknown> = Promise.resolve();
  /**
   * One scope for every transition: xstate's `transition()` builds a whole actor per call (measured at
   * about half of a MeterValues translation). The machine has assign actions only (no children, delays,
   * emits or executed actions), so nothing is ever scheduled on this scope.
   */
  private readonly scope: AnyActorScope = inertScope();

  constructor(private readonly session: ISessionStore) {}

  async load(identity: string, evseId: number): Promise<StoredTransaction> {
    const stored = await this.session.get<StoredTransaction>(identity, evseKey(evseId));
    return stored ?? { state: 'idle', context: { evseId, nextSeqNo: 0, seenBy16: false } };
  }

  /** Apply `event` to the EVSE's machine; resolves with the state before and after. */
  apply(
    identity: string,
    evseId: number,
    event: TransactionEvent,
  ): Promise<{ before: StoredTransaction; after: StoredTransaction }> {
    const key = `${identity}\u0000${evseId}`;
    const run = (this.chains.get(key) ?? Promise.resolve()).then(() =>
      this.applyNow(identity, evseId, event),
    );
    const tail = run.catch(() => undefined);
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return run;
  }

  async findBy16(identity: string, id16: number): Promise<StoredTransaction | undefined> {
    const ref = await this.session.get<{ evseId: number }>(identity, by16Key(id16));
    return ref && this.load(identity, ref.evseId);
  }

  async findById(identity: string, transactionId: string): Promise<StoredTransaction | undefined> {
    const ref = await this.session.get<{ evseId: number }>(identity, byIdKey(transactionId));
    return ref && this.load(identity, ref.evseId);
  }

  /** A 1.6 transaction id unique in the whole store (every node sharing it), never reused. */
  mint16(): Promise<number> {
    return this.nextCounter(TRANSACTION_ID_COUNTER);
  }

  /** Next value of the store-wide counter `name` (first: 1). */
  nextCounter(name: string): Promise<number> {
    if (this.session.increment) return this.session.increment(name);
    // A store without an atomic counter: serialize in this process. Unique per process only; the
    // stores shipped here all implement `increment`.
    const run = this.counterChain.then(async () => {
      const next = ((await this.session.get<number>(COUNTER_IDENTITY, name)) ?? 0) + 1;
      await this.session.set(COUNTER_IDENTITY, name, next);
      return next;
    });
    this.counterChain = run.catch(() => undefined);
    return run;
  }

  private async applyNow(identity: string, evseId: number, event: TransactionEvent) {
    const before = await this.load(identity, evseId);
    const snapshot = transactionMachine.resolveState({ value: before.state, context: before.context });
    const next = transactionMachine.transition(snapshot, event, this.scope);
    const after: StoredTransaction = { state: next.value as TransactionState, context: next.context };
    await this.session.set(identity, evseKey(evseId), after);
    const { transactionId, transactionId16 } = after.context;
    // One transaction's ids per EVSE stay indexed: the store stays bounded by the number of EVSEs.
    const old = before.context;
    if (old.transactionId !== undefined && old.transactionId !== transactionId) {
      await this.session.delete(identity, byIdKey(old.transactionId));
    }
    if (old.transactionId16 !== undefined && old.transactionId16 !== transactionId16) {
      await this.session.delete(identity, by16Key(old.transactionId16));
    }
    if (transactionId !== undefined && transactionId !== before.context.transactionId) {
      await this.session.set(identity, byIdKey(transactionId), { evseId });
    }
    if (transactionId16 !== undefined && transactionId16 !== before.context.transactionId16) {
      await this.session.set(identity, by16Key(transactionId16), { evseId });
    }
    return { before, after };
  }
}

function inertScope(): AnyActorScope {
  const self = createActor(transactionMachine, { input: { evseId: 0 } });
  const ignore = () => {};
  return {
    self,
    id: '',
    sessionId: '',
    logger: ignore,
    defer: ignore,
    emit: ignore,
    system: self.system,
    stopChild: ignore,
    actionExecutor: ignore,
  };
}
