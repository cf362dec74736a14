import { ACTIONS, maySend } from '../../protocol/actions.js';
import type { Mapper, TranslationMap } from '../types.js';
import type { Ocpp2 } from './convert.js';
import { projectPayload } from './project.js';

/**
 * A station speaking one 2.x version behind a CSMS speaking the other: every action both versions have
 * is projected onto the target's schema, calls and answers alike (see project.ts). Actions only 2.1 has
 * are answered NotSupported by the engine (no mapper).
 */
export function between2x(station: Ocpp2, csms: Ocpp2): TranslationMap {
  const map: Required<Pick<TranslationMap, 'upstream' | 'downstream' | 'responses'>> = {
    upstream: {},
    downstream: {},
    responses: {},
  };
  const shared = [...ACTIONS[station].keys()].filter((a) => ACTIONS[csms].has(a));
  for (const action of shared) {
    const toCsms: Mapper = async (p) => ({ payload: await projectPayload(csms, action, 'request', p) });
    const toStation: Mapper = async (p) => ({ payload: await projectPayload(station, action, 'request', p) });
    if (maySend(station, 'station', action) && maySend(csms, 'station', action)) {
      map.upstream[`${station}:${action}`] = toCsms;
      map.responses[`${station}:${action}`] = async (p) => ({
        payload: await projectPayload(station, action, 'response', p),
      });
    }
    if (maySend(csms, 'csms', action) && maySend(station, 'csms', action)) {
      map.downstream[`${csms}:${action}`] = toStation;
      map.responses[`${csms}:${action}`] = async (p) => ({
        payload: await projectPayload(csms, action, 'response', p),
      });
    }
  }
  return map;
}
