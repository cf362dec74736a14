import type { BatchAnswer, Payload, TranslationMap } from '../../types.js';
import { KEY_MAP, keyOf, variableOf } from '../config-keys.js';
import { compact, nowIso, type Ocpp2 } from '../convert.js';
import { keys16 } from './keys.js';

/** Items per NotifyReport part: a 1.6 station has tens to a few hundred keys. */
export const REPORT_PART_SIZE = 50;

const KNOWN_COMPONENTS = new Set(Object.values(KEY_MAP).map((v) => v.component));

/** How one GetVariables / SetVariables item fares: asked of the station as `key`, or answered here. */
type Plan = { key: string } | { status: string };

function plan(item: Payload, valueTooLong = false): Plan {
  if (item.attributeType !== undefined && item.attributeType !== 'Actual')
    return { status: 'NotSupportedAttributeType' };
  const key =
    item.component.evse === undefined &&
    item.component.instance === undefined &&
    item.variable.instance === undefined
      ? keyOf(item.component.name, item.variable.name)
      : undefined;
  if (key === undefined)
    return { status: KNOWN_COMPONENTS.has(item.component.name) ? 'UnknownVariable' : 'UnknownComponent' };
  // 1.6 values are at most 500 characters.
  if (valueTooLong) return { status: 'Rejected' };
  return { key };
}

const result = (item: Payload, status: string, value?: string): Payload =>
  compact({
    attributeStatus: status,
    attributeType: item.attributeType,
    attributeValue: value,
    component: item.component,
    variable: item.variable,
  });

/** ChangeConfiguration status -> SetVariables attributeStatus. */
function setStatus(answer: BatchAnswer): string {
  if (!('payload' in answer)) return 'Rejected';
  switch (answer.payload.status) {
    case 'Accepted':
    case 'Rejected':
    case 'RebootRequired':
      return answer.payload.status;
    default:
      // NotSupported: the station does not have the key.
      return 'UnknownVariable';
  }
}

/**
 * The 2.x device model over a 1.6 station's flat configuration (the key map of ocpp-notes §4.2):
 * GetVariables -> GetConfiguration(keys), SetVariables -> one ChangeConfiguration per variable (a batch),
 * GetBaseReport -> GetConfiguration() answered Accepted, then the keys reported as NotifyReport parts.
 */
export function configuration16(v2: Ocpp2): TranslationMap {
  const { down } = keys16(v2);
  return {
    downstream: {
      [down('GetVariables')]: (p, ctx) => {
        const plans = (p.getVariableData as Payload[]).map((item) => plan(item));
        ctx.call.data.plans = plans;
        const keys = [...new Set(plans.flatMap((pl) => ('key' in pl ? [pl.key] : [])))];
        // No key to ask: an empty GetConfiguration would fetch every key instead.
        if (keys.length === 0) {
          return {
            reply: {
              getVariableResult: (p.getVariableData as Payload[]).map((item, i) =>
                result(item, (plans[i] as { status: string }).status),
              ),
            },
          };
        }
        return { action: 'GetConfiguration', payload: { key: keys } };
      },
      [down('SetVariables')]: (p, ctx) => {
        const items = p.setVariableData as Payload[];
        const plans = items.map((item) => plan(item, item.attributeValue.length > 500));
        ctx.call.data.plans = plans;
        const batch = items.flatMap((item, i) => {
          const pl = plans[i]!;
          return 'key' in pl
            ? [{ action: 'ChangeConfiguration', payload: { key: pl.key, value: item.attributeValue } }]
            : [];
        });
        if (batch.length === 0) {
          return {
            reply: {
              setVariableResult: items.map((item, i) =>
                result(item, (plans[i] as { status: string }).status),
              ),
            },
          };
        }
        return { batch };
      },
      [down('GetBaseReport')]: (p, ctx) => {
        ctx.call.data.requestId = p.requestId;
        return { action: 'GetConfiguration', payload: {} };
      },
    },
    responses: {
      [down('GetVariables')]: (p, ctx) => {
        const items = ctx.call.payload.getVariableData as Payload[];
        const plans = ctx.call.data.plans as Plan[];
        const values = new Map<string, Payload>();
        for (const entry of (p.configurationKey ?? []) as Payload[]) values.set(entry.key, entry);
        return {
          payload: {
            getVariableResult: items.map((item, i) => {
              const pl = plans[i]!;
              if ('status' in pl) return result(item, pl.status);
              const entry = values.get(pl.key);
              return entry ? result(item, 'Accepted', entry.value) : result(item, 'UnknownVariable');
            }),
          },
        };
      },
      [down('SetVariables')]: (answers: BatchAnswer[], ctx) => {
        const items = ctx.call.payload.setVariableData as Payload[];
        const plans = ctx.call.data.plans as Plan[];
        let next = 0;
        return {
          payload: {
            setVariableResult: items.map((item, i) => {
              const pl = plans[i]!;
              return result(item, 'status' in pl ? pl.status : setStatus(answers[next++]!));
            }),
          },
        };
      },
      [down('GetBaseReport')]: (p, ctx) => {
        const entries = (p.configurationKey ?? []) as Payload[];
        if (entries.length === 0) return { payload: { status: 'EmptyResultSet' } };
        const requestId = ctx.call.data.requestId as number;
        const generatedAt = nowIso();
        const parts = Math.ceil(entries.length / REPORT_PART_SIZE);
        for (let part = 0; part < parts; part++) {
          const slice = entries.slice(part * REPORT_PART_SIZE, (part + 1) * REPORT_PART_SIZE);
          ctx.services.emit({
            to: 'csms',
            action: 'NotifyReport',
            payload: {
              requestId,
              generatedAt,
              seqNo: part,
              tbc: part < parts - 1,
              reportData: slice.map((entry) => {
                const v = variableOf(entry.key);
                return {
                  component: { name: v.component },
                  variable: { name: v.variable },
                  variableAttribute: [
                    compact({
                      type: 'Actual',
                      value: entry.value,
                      mutability: entry.readonly ? 'ReadOnly' : 'ReadWrite',
                    }),
                  ],
                };
              }),
            },
          });
        }
        return { payload: { status: 'Accepted' } };
      },
    },
  };
}
