import type { Payload, TranslationMap } from '../../types.js';
import { compact, idTagInfoOf, idTagOf, type Ocpp2 } from '../convert.js';
import { keys16 } from './keys.js';

/** Local Auth List for a 1.6 station behind a 2.x CSMS. A token longer than 1.6's 20 characters fails the list. */
export function localAuth16(v2: Ocpp2): TranslationMap {
  const { down } = keys16(v2);
  return {
    downstream: {
      [down('GetLocalListVersion')]: () => ({ payload: {} }),
      [down('SendLocalList')]: (p) => {
        const list: Payload[] = [];
        for (const entry of (p.localAuthorizationList ?? []) as Payload[]) {
          const idTag = idTagOf(entry.idToken);
          if (idTag === undefined)
            return { reply: { status: 'Failed', statusInfo: { reasonCode: 'InvalidIdToken' } } };
          list.push(
            compact({ idTag, idTagInfo: entry.idTokenInfo ? idTagInfoOf(entry.idTokenInfo) : undefined }),
          );
        }
        return {
          payload: compact({
            listVersion: p.versionNumber,
            updateType: p.updateType,
            localAuthorizationList: list.length > 0 ? list : undefined,
          }),
        };
      },
    },
    responses: {
      [down('GetLocalListVersion')]: (p) => ({ payload: { versionNumber: p.listVersion } }),
      [down('SendLocalList')]: (p) => ({
        payload: { status: p.status === 'NotSupported' ? 'Failed' : p.status },
      }),
    },
  };
}
