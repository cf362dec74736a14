import { describe, expect, it } from 'vitest';
import { TestModel, type TestParam } from 'xstate/graph';
import {
  type StoredTransaction,
  type TransactionContext,
  type TransactionEvent,
  type TransactionSnapshot,
  type TransactionState,
  transactionMachine,
} from '../../src/machines/transaction.js';
import { InMemorySessionStore, TransactionLedger } from '../../src/translation/index.js';
import { itAgreesAlongEveryPath } from './model-kit.js';

const EVSE = 2;

const EVENTS: readonly TransactionEvent[] = [
  { type: 'REMOTE_START', idToken: 'APP-1', idTokenType: 'Central', remoteStartId: 7 },
  { type: 'CANCEL' },
  { type: 'START', transactionId: 'tx-A', idToken: 'RFID-1', transactionId16: 11 },
  // 2.x: started on plug-in, before authorization.
  { type: 'START', transactionId: 'tx-B' },
  // The same 2.x transaction id again: a retry of the open transaction's start.
  { type: 'START', transactionId: 'tx-A', idToken: 'RFID-1' },
  { type: 'BIND_16', transactionId16: 12 },
  { type: 'AUTHORIZED', idToken: 'RFID-2' },
  { type: 'UPDATE' },
  { type: 'END' },
];

// seqNo grows without bound in `updating` and is left out; which transaction is open shapes what a
// START does (retry or replacement), so it is part of the state.
const serialize = (s: TransactionSnapshot) => `${String(s.value)}:${s.context.transactionId ?? '-'}`;
const stateOf = (s: TransactionSnapshot) => String(s.value);
const model = new TestModel(transactionMachine, {
  events: EVENTS,
  input: { evseId: EVSE },
  serializeState: serialize,
});

/** The correlation rules as ocpp-notes §4.2 states them, written out by hand. */
class Reference {
  state: TransactionState = 'idle';
  ctx: TransactionContext = { evseId: EVSE, nextSeqNo: 0, seenBy16: false };

  apply(e: TransactionEvent): void {
    const fresh = (): TransactionContext => ({ evseId: EVSE, nextSeqNo: 0, seenBy16: false });
    const canStartAfresh = this.state === 'idle' || this.state === 'ended' || this.state === 'endedUnseen';
    switch (e.type) {
      case 'REMOTE_START':
        if (canStartAfresh || this.state === 'authorizing') {
          this.state = 'authorizing';
          this.ctx = {
            ...fresh(),
            idToken: e.idToken,
            idTokenType: e.idTokenType,
            remoteStartId: e.remoteStartId,
          };
        }
        return;
      case 'CANCEL':
        if (this.state === 'authorizing') {
          this.state = 'idle';
          this.ctx = fresh();
        }
        return;
      case 'START': {
        // A retry of the open transaction changes nothing; another start replaces it.
        if (!canStartAfresh && this.state !== 'authorizing' && e.transactionId === this.ctx.transactionId)
          return;
        // An armed remote start lends its token and remoteStartId; a finished transaction lends nothing.
        const base = this.state === 'authorizing' ? this.ctx : fresh();
        const idToken = e.idToken ?? base.idToken;
        this.state = idToken !== undefined ? 'started' : 'awaitingAuthorization';
        this.ctx = {
          evseId: EVSE,
          transactionId: e.transactionId,
          transactionId16: e.transactionId16,
          idToken,
          idTokenType: base.idTokenType,
          remoteStartId: e.remoteStartId ?? base.remoteStartId,
          nextSeqNo: 1,
          seenBy16: idToken !== undefined,
        };
        return;
      }
      case 'BIND_16':
        if (this.state === 'started' || this.state === 'updating')
          this.ctx.transactionId16 = e.transactionId16;
        return;
      case 'AUTHORIZED':
        if (this.state === 'awaitingAuthorization') {
          this.state = 'started';
          this.ctx = { ...this.ctx, idToken: e.idToken, seenBy16: true, nextSeqNo: this.ctx.nextSeqNo + 1 };
        }
        return;
      case 'UPDATE':
        if (this.state === 'started') this.state = 'updating';
        if (this.state === 'updating' || this.state === 'awaitingAuthorization') this.ctx.nextSeqNo++;
        return;
      case 'END':
        if (this.state === 'started' || this.state === 'updating') this.state = 'ended';
        else if (this.state === 'awaitingAuthorization') this.state = 'endedUnseen';
        else return;
        this.ctx.nextSeqNo++;
        return;
    }
  }
}

/** JSON drops undefined fields, as the store does. */
const plain = (ctx: TransactionContext) => JSON.parse(JSON.stringify(ctx));

/** The system under test: the ledger, applying the machine through a session store, as the proxy does. */
function harness(): TestParam<TransactionSnapshot, TransactionEvent> {
  const store = new InMemorySessionStore();
  const ledger = new TransactionLedger(store);
  const reference = new Reference();
  const exec = async ({ event }: { event: TransactionEvent }) => {
    await ledger.apply('CP-1', EVSE, event);
    reference.apply(event);
  };
  return {
    events: Object.fromEntries(EVENTS.map((e) => [e.type, exec])),
    states: {
      '*': async (expected) => {
        const stored: StoredTransaction = await ledger.load('CP-1', EVSE);
        expect(stored.state).toBe(stateOf(expected));
        expect(stored.state).toBe(reference.state);
        expect(plain(stored.context)).toEqual(plain(reference.ctx));
        // Both ids find the EVSE while the transaction is the EVSE's current one.
        if (stored.context.transactionId) {
          expect((await ledger.findById('CP-1', stored.context.transactionId))?.context.evseId).toBe(EVSE);
        }
        if (stored.context.transactionId16 !== undefined) {
          expect((await ledger.findBy16('CP-1', stored.context.transactionId16))?.context.evseId).toBe(EVSE);
        }
      },
    },
  };
}

describe('transaction machine agrees with its reference model', () => {
  it('reaches every state, the 2.x start before authorization included', () => {
    const states = new Set(
      model.getShortestPaths({ allowDuplicatePaths: true }).map((p) => stateOf(p.state)),
    );
    expect([...states].sort()).toEqual([
      'authorizing',
      'awaitingAuthorization',
      'ended',
      'endedUnseen',
      'idle',
      'started',
      'updating',
    ]);
  });

  itAgreesAlongEveryPath(model, EVENTS, harness);
});

describe('transaction ledger', () => {
  it('keeps one transaction indexed per EVSE: the previous ids are dropped when the next one starts', async () => {
    const ledger = new TransactionLedger(new InMemorySessionStore());
    await ledger.apply('CP-1', 1, { type: 'START', transactionId: 'a', idToken: 't', transactionId16: 1 });
    await ledger.apply('CP-1', 1, { type: 'END' });
    expect(await ledger.findBy16('CP-1', 1)).toBeDefined();
    await ledger.apply('CP-1', 1, { type: 'START', transactionId: 'b', idToken: 't', transactionId16: 2 });
    expect(await ledger.findBy16('CP-1', 1)).toBeUndefined();
    expect(await ledger.findById('CP-1', 'a')).toBeUndefined();
    expect((await ledger.findById('CP-1', 'b'))?.context.transactionId16).toBe(2);
  });

  it('applies concurrent events for one EVSE one after another (no lost seqNo)', async () => {
    const ledger = new TransactionLedger(new InMemorySessionStore());
    await ledger.apply('CP-1', 1, { type: 'START', transactionId: 'a', idToken: 't' });
    await Promise.all(Array.from({ length: 20 }, () => ledger.apply('CP-1', 1, { type: 'UPDATE' })));
    expect((await ledger.load('CP-1', 1)).context.nextSeqNo).toBe(21);
  });
});
