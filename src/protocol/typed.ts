/**
 * Compile-time view of ACTIONS: a CSMS calling BootNotification, or a station calling
 * RemoteStartTransaction, must be a type error rather than a CALLERROR at run time.
 * The maps come from scripts/generate-types.ts, so they cannot drift from the schemas or from actions.ts.
 */
import type { Ocpp16Actions } from './generated/ocpp1.6.js';
import type { Ocpp201Actions } from './generated/ocpp2.0.1.js';
import type { Ocpp21Actions } from './generated/ocpp2.1.js';
import type { OcppVersion } from './versions.js';

export interface ActionsByVersion {
  'ocpp1.6': Ocpp16Actions;
  'ocpp2.0.1': Ocpp201Actions;
  'ocpp2.1': Ocpp21Actions;
}

export type ActionName<V extends OcppVersion> = keyof ActionsByVersion[V] & string;

/** The actions of `V` whose map entry matches `Shape`. `Extract` lets TS see the result is an ActionName<V>. */
type ActionsWhere<V extends OcppVersion, Shape> = Extract<
  { [A in ActionName<V>]: ActionsByVersion[V][A] extends Shape ? A : never }[ActionName<V>],
  ActionName<V>
>;

/** What a CSMS may send as a CALL. */
export type CsmsCallable<V extends OcppVersion> = ActionsWhere<V, { direction: 'CsmsToStation' | 'Both' }>;

/** The 2.1 SEND-only actions: a station emits them but never waits for (or gets) a reply. */
export type StationSendable<V extends OcppVersion> = ActionsWhere<V, { send: true }>;

/** What a station may send as a CALL; SEND-only actions are left out because `call` would wait forever. */
export type StationCallable<V extends OcppVersion> = Exclude<
  ActionsWhere<V, { direction: 'StationToCsms' | 'Both' }>,
  StationSendable<V>
>;

// Conditional rather than indexed access (`[V][A]['request']`): TS cannot index a generic entry by key.
export type RequestOf<V extends OcppVersion, A extends ActionName<V>> = ActionsByVersion[V][A] extends {
  request: infer R;
}
  ? R
  : never;

/** `never` for a SEND-only action. */
export type ResponseOf<V extends OcppVersion, A extends ActionName<V>> = ActionsByVersion[V][A] extends {
  response: infer R;
}
  ? R
  : never;

// A handler registered once for every version sees whichever version's payload arrived, so its
// types are unions over versions. The `V extends unknown` distributes: with V = OcppVersion,
// `ActionName<V>` would otherwise be the keys common to all versions, not the union.

/** Actions a CSMS handles (stations call them), in any of `V`. */
export type CsmsHandled<V extends OcppVersion = OcppVersion> = V extends unknown ? StationCallable<V> : never;

/** Actions a station handles (the CSMS calls them), in any of `V`. */
export type StationHandled<V extends OcppVersion = OcppVersion> = V extends unknown ? CsmsCallable<V> : never;

/** Every action name of any version. */
export type AnyActionName = { [V in OcppVersion]: ActionName<V> }[OcppVersion];

/** The union of `A`'s request types over the versions that have `A`. */
export type AnyVersionRequest<A extends AnyActionName> = {
  [V in OcppVersion]: A extends ActionName<V> ? RequestOf<V, A> : never;
}[OcppVersion];

/** The union of `A`'s response types over the versions that have `A`. */
export type AnyVersionResponse<A extends AnyActionName> = {
  [V in OcppVersion]: A extends ActionName<V> ? ResponseOf<V, A> : never;
}[OcppVersion];

/** Everything a CSMS handler may receive: the station's CALLs and its 2.1 SENDs. */
export type CsmsReceivable<V extends OcppVersion = OcppVersion> = V extends unknown
  ? StationCallable<V> | StationSendable<V>
  : never;

/** What a handler returns: the response, or nothing for a SEND-only action (it is never answered). */
export type HandlerReply<R> = [R] extends [never] ? undefined : R;
