/**
 * The CSMS answers the peer and bare adapters give: the same as our `registerDefaultHandlers`
 * (accept every boot and token, number 1.6 transactions), so every server does the same work.
 */

type Answer = (params: Record<string, unknown>) => Record<string, unknown>;

const now = () => new Date().toISOString();
const empty = () => ({});
let nextTransactionId = 1;

const common: Record<string, Answer> = {
  BootNotification: () => ({ status: 'Accepted', currentTime: now(), interval: 300 }),
  Heartbeat: () => ({ currentTime: now() }),
  StatusNotification: empty,
  MeterValues: empty,
};

export const ANSWERS: Record<string, Record<string, Answer>> = {
  'ocpp1.6': {
    ...common,
    Authorize: () => ({ idTagInfo: { status: 'Accepted' } }),
    StartTransaction: () => ({ transactionId: nextTransactionId++, idTagInfo: { status: 'Accepted' } }),
    StopTransaction: () => ({ idTagInfo: { status: 'Accepted' } }),
  },
  'ocpp2.0.1': {
    ...common,
    Authorize: () => ({ idTokenInfo: { status: 'Accepted' } }),
    TransactionEvent: (p) => (p.idToken ? { idTokenInfo: { status: 'Accepted' } } : {}),
  },
};

export const PROTOCOLS = ['ocpp1.6', 'ocpp2.0.1'];
