import { assign, type SnapshotFrom, setup } from 'xstate';

/**
 * One station EVSE's transaction as a translation proxy correlates it between OCPP 1.6 and 2.x
 * (ocpp-notes §4.2): the 2.x string `transactionId` (station-assigned), the 1.6 integer `transactionId`
 * (CSMS-assigned in 1.6; minted by the proxy when the CSMS speaks 2.x), the `seqNo` of each 2.x
 * TransactionEvent, and the `remoteStartId` of a remote start.
 *
 * idle -> authorizing (remote start accepted for this EVSE) -> started -> updating -> ended.
 * 2.x can start a transaction on plug-in before authorization (TxCtrlr.TxStartPoint): `START` without an
 * idToken goes to `awaitingAuthorization`, where a 1.6 CSMS has not heard of it yet (1.6 StartTransaction
 * requires an idTag); `AUTHORIZED` then starts it on the 1.6 side. An `END` there means the 1.6 side never
 * saw the transaction at all (`endedUnseen`).
 *
 * Pure: the proxy keeps `{ value, context }` in its session store and applies events with
 * `transition`, so the mapping survives a reconnect of either leg and, with a durable store, a restart.
 */

export interface TransactionContext {
  evseId: number;
  /** The 2.x transactionId. */
  transactionId?: string;
  /** The 1.6 transactionId, once known (minted, or from the 1.6 CSMS's StartTransaction.conf). */
  transactionId16?: number;
  /** seqNo the next 2.x TransactionEvent of this transaction carries. */
  nextSeqNo: number;
  remoteStartId?: number;
  idToken?: string;
  /** The 2.x idToken type of a remote start's token, so the start reports the token as the CSMS sent it. */
  idTokenType?: string;
  /** Whether the 1.6 side was ever told of this transaction. */
  seenBy16: boolean;
}

export type TransactionEvent =
  /** A remote start for this EVSE was accepted: the next start is its transaction. */
  | { type: 'REMOTE_START'; idToken: string; idTokenType?: string; remoteStartId?: number }
  /** The remote start lapsed or was refused. */
  | { type: 'CANCEL' }
  | {
      type: 'START';
      transactionId: string;
      idToken?: string;
      transactionId16?: number;
      remoteStartId?: number;
    }
  /** The 1.6 id arrived (StartTransaction.conf from a 1.6 CSMS). */
  | { type: 'BIND_16'; transactionId16: number }
  | { type: 'AUTHORIZED'; idToken: string }
  | { type: 'UPDATE' }
  | { type: 'END' };

export interface TransactionInput {
  evseId: number;
}

/** Every field named: `assign` merges, so a field left out would survive from the previous transaction. */
const fresh = (evseId: number): TransactionContext => ({
  evseId,
  transactionId: undefined,
  transactionId16: undefined,
  nextSeqNo: 0,
  remoteStartId: undefined,
  idToken: undefined,
  idTokenType: undefined,
  seenBy16: false,
});

/** A start where no remote start is armed: authorized by its own token, or waiting for one. */
const startAfresh = [
  { guard: 'startHasToken', target: 'started', actions: ['clear', 'begin'] },
  { target: 'awaitingAuthorization', actions: ['clear', 'begin'] },
] as const;

/**
 * A START while a transaction is open: the same transaction again is a retry and changes nothing;
 * another one means the open one ended without its end reaching the proxy (a station that rebooted and
 * lost its StopTransaction), so the new one replaces it.
 */
const startReplacing = [{ guard: 'sameTransaction' }, ...startAfresh] as const;

export const transactionMachine = setup({
  types: {
    context: {} as TransactionContext,
    events: {} as TransactionEvent,
    input: {} as TransactionInput,
  },
  actions: {
    armRemoteStart: assign(({ context, event }) => {
      if (event.type !== 'REMOTE_START') return {};
      return {
        ...fresh(context.evseId),
        idToken: event.idToken,
        idTokenType: event.idTokenType,
        remoteStartId: event.remoteStartId,
      };
    }),
    clear: assign(({ context }) => fresh(context.evseId)),
    begin: assign(({ context, event }) => {
      if (event.type !== 'START') return {};
      return {
        evseId: context.evseId,
        transactionId: event.transactionId,
        transactionId16: event.transactionId16,
        idToken: event.idToken ?? context.idToken,
        idTokenType: context.idTokenType,
        remoteStartId: event.remoteStartId ?? context.remoteStartId,
        nextSeqNo: 1,
        seenBy16: event.idToken !== undefined || context.idToken !== undefined,
      };
    }),
    authorize: assign(({ event }) =>
      event.type === 'AUTHORIZED' ? { idToken: event.idToken, seenBy16: true } : {},
    ),
    bind16: assign(({ event }) =>
      event.type === 'BIND_16' ? { transactionId16: event.transactionId16 } : {},
    ),
    countEvent: assign(({ context }) => ({ nextSeqNo: context.nextSeqNo + 1 })),
  },
  guards: {
    // Only the event's token counts: a previous transaction's token must not authorize the next one.
    startHasToken: ({ event }) => event.type === 'START' && event.idToken !== undefined,
    sameTransaction: ({ context, event }) =>
      event.type === 'START' && event.transactionId === context.transactionId,
  },
}).createMachine({
  id: 'transaction',
  initial: 'idle',
  context: ({ input }) => fresh(input.evseId),
  states: {
    idle: {
      on: {
        REMOTE_START: { target: 'authorizing', actions: 'armRemoteStart' },
        START: startAfresh,
      },
    },
    authorizing: {
      on: {
        REMOTE_START: { target: 'authorizing', actions: 'armRemoteStart' },
        CANCEL: { target: 'idle', actions: 'clear' },
        START: { target: 'started', actions: 'begin' },
      },
    },
    awaitingAuthorization: {
      on: {
        AUTHORIZED: { target: 'started', actions: ['authorize', 'countEvent'] },
        UPDATE: { actions: 'countEvent' },
        END: { target: 'endedUnseen', actions: 'countEvent' },
        START: startReplacing,
      },
    },
    started: {
      on: {
        BIND_16: { actions: 'bind16' },
        UPDATE: { target: 'updating', actions: 'countEvent' },
        END: { target: 'ended', actions: 'countEvent' },
        START: startReplacing,
      },
    },
    updating: {
      on: {
        BIND_16: { actions: 'bind16' },
        UPDATE: { actions: 'countEvent' },
        END: { target: 'ended', actions: 'countEvent' },
        START: startReplacing,
      },
    },
    // Not final: the EVSE's next transaction starts from here. The ended record stays readable
    // (a late StopTransaction.conf, an offline replay) until the next start replaces it.
    ended: {
      on: {
        REMOTE_START: { target: 'authorizing', actions: 'armRemoteStart' },
        START: startAfresh,
      },
    },
    endedUnseen: {
      on: {
        REMOTE_START: { target: 'authorizing', actions: 'armRemoteStart' },
        START: startAfresh,
      },
    },
  },
});

export type TransactionMachine = typeof transactionMachine;
export type TransactionSnapshot = SnapshotFrom<TransactionMachine>;
export type TransactionState =
  | 'idle'
  | 'authorizing'
  | 'awaitingAuthorization'
  | 'started'
  | 'updating'
  | 'ended'
  | 'endedUnseen';

/** What a store keeps of one EVSE's machine: plain JSON. */
export interface StoredTransaction {
  readonly state: TransactionState;
  readonly context: TransactionContext;
}
