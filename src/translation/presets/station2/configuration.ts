import type { Payload, TranslationMap } from '../../types.js';
import { keyOf2, variableOfKey2 } from '../config-keys.js';
import type { Ocpp2 } from '../convert.js';
import { keys2 } from './keys.js';

/** A keyless GetConfiguration waiting for the station's NotifyReport parts. */
interface Aggregation {
  readonly requestId: number;
  /** The 1.6 CSMS's GetConfiguration message id, answered when the last part arrives. */
  readonly callId: string;
  readonly configurationKey: Payload[];
  readonly unknownKey: string[];
}
/**
 * One aggregation per station: a 1.6 CSMS has one call in flight, and a GetConfiguration asked again
 * (the first timed out) replaces the old one, so a station that never finishes its report leaves at most
 * one record behind.
 */
const AGGREGATION = 'report/pending';

const SET_16: Record<string, string> = {
  Accepted: 'Accepted',
  Rejected: 'Rejected',
  RebootRequired: 'RebootRequired',
};

/** A 2.x reportData item as 1.6 configuration keys: the Actual attribute; values over 500 characters are left out. */
function entryOf(item: Payload): Payload | undefined {
  const key = keyOf2(item.component.name, item.variable.name);
  if (key === undefined || item.component.instance !== undefined || item.variable.instance !== undefined)
    return undefined;
  const actual = (item.variableAttribute as Payload[]).find((a) => (a.type ?? 'Actual') === 'Actual');
  if (!actual) return undefined;
  const value: string | undefined = actual.mutability === 'WriteOnly' ? undefined : actual.value;
  return {
    key,
    readonly: actual.mutability === 'ReadOnly',
    ...(value !== undefined && value.length <= 500 ? { value } : {}),
  };
}

/**
 * A 1.6 CSMS's configuration over a 2.x station's device model. GetConfiguration with keys ->
 * GetVariables; without keys -> GetBaseReport(ConfigurationInventory), its answer deferred until the
 * station's last NotifyReport part (tbc = false) arrives: the parts are gathered in the session store
 * meanwhile. ChangeConfiguration -> SetVariables of one variable.
 */
export function configuration2(v2: Ocpp2): TranslationMap {
  const { up, down } = keys2(v2);
  return {
    upstream: {
      [up('NotifyReport')]: async (p, ctx) => {
        const agg = await ctx.session.get<Aggregation>(ctx.identity, AGGREGATION);
        // A report nobody here asked for (the station's own, or a superseded request): acknowledged.
        if (!agg || agg.requestId !== p.requestId) return { reply: {} };
        for (const item of (p.reportData ?? []) as Payload[]) {
          const entry = entryOf(item);
          if (entry) agg.configurationKey.push(entry);
        }
        if (p.tbc) {
          await ctx.session.set(ctx.identity, AGGREGATION, agg);
        } else {
          await ctx.session.delete(ctx.identity, AGGREGATION);
          ctx.services.completeDeferred({ to: 'csms', id: agg.callId, payload: answerOf(agg) });
        }
        return { reply: {} };
      },
    },
    downstream: {
      [down('GetConfiguration')]: async (p, ctx) => {
        const keys = (p.key ?? []) as string[];
        if (keys.length === 0) {
          const requestId = await ctx.services.nextRequestId();
          const agg: Aggregation = { requestId, callId: ctx.call.id, configurationKey: [], unknownKey: [] };
          await ctx.session.set(ctx.identity, AGGREGATION, agg);
          ctx.call.data.requestId = requestId;
          return { action: 'GetBaseReport', payload: { requestId, reportBase: 'ConfigurationInventory' } };
        }
        return {
          action: 'GetVariables',
          payload: {
            getVariableData: keys.map((k) => {
              const v = variableOfKey2(k);
              return { component: { name: v.component }, variable: { name: v.variable } };
            }),
          },
        };
      },
      [down('ChangeConfiguration')]: (p) => {
        const v = variableOfKey2(p.key);
        return {
          action: 'SetVariables',
          payload: {
            setVariableData: [
              { attributeValue: p.value, component: { name: v.component }, variable: { name: v.variable } },
            ],
          },
        };
      },
    },
    responses: {
      [up('NotifyReport')]: () => ({ payload: {} }),
      [down('GetConfiguration')]: async (p, ctx) => {
        const requestId = ctx.call.data.requestId as number | undefined;
        if (requestId !== undefined) {
          if (p.status === 'Accepted') return { defer: true };
          await ctx.session.delete(ctx.identity, AGGREGATION);
          if (p.status === 'EmptyResultSet') return { payload: {} };
          return { error: { code: 'NotSupported', description: `GetBaseReport ${p.status}` } };
        }
        // Results are matched to the asked keys by variable, not by position.
        const asked = new Map<string, string>();
        for (const k of (ctx.call.payload.key ?? []) as string[]) {
          const v = variableOfKey2(k);
          asked.set(`${v.component}\u0000${v.variable}`, k);
        }
        const configurationKey: Payload[] = [];
        const unknownKey: string[] = [];
        (p.getVariableResult as Payload[]).forEach((r) => {
          const key =
            asked.get(`${r.component.name}\u0000${r.variable.name}`) ??
            keyOf2(r.component.name, r.variable.name);
          if (key === undefined) return;
          if (r.attributeStatus !== 'Accepted') {
            unknownKey.push(key);
            return;
          }
          const value: string | undefined = r.attributeValue;
          configurationKey.push({
            key,
            readonly: false,
            ...(value !== undefined && value.length <= 500 ? { value } : {}),
          });
        });
        return { payload: answerOf({ configurationKey, unknownKey }) };
      },
      [down('ChangeConfiguration')]: (p) => {
        const status = (p.setVariableResult as Payload[])[0]?.attributeStatus;
        return { payload: { status: SET_16[status] ?? 'NotSupported' } };
      },
    },
  };
}

function answerOf(agg: Pick<Aggregation, 'configurationKey' | 'unknownKey'>): Payload {
  return {
    ...(agg.configurationKey.length > 0 ? { configurationKey: agg.configurationKey } : {}),
    ...(agg.unknownKey.length > 0 ? { unknownKey: agg.unknownKey } : {}),
  };
}
