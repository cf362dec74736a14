import { schemaFor } from '../protocol/schemas.js';
import { isOcppVersion, type OcppVersion } from '../protocol/versions.js';
import type { CommandSpec } from './wire.js';

/** What an operator sends every day, per version family; anything else is a script's job. */
const DAILY: Record<'1.6' | '2.x', readonly string[]> = {
  '1.6': [
    'TriggerMessage',
    'Reset',
    'ChangeAvailability',
    'GetConfiguration',
    'ChangeConfiguration',
    'UnlockConnector',
    'RemoteStartTransaction',
    'RemoteStopTransaction',
    'ClearCache',
    'DataTransfer',
  ],
  '2.x': [
    'TriggerMessage',
    'Reset',
    'ChangeAvailability',
    'GetVariables',
    'SetVariables',
    'GetBaseReport',
    'UnlockConnector',
    'RequestStartTransaction',
    'RequestStopTransaction',
    'ClearCache',
    'DataTransfer',
  ],
};

/** The commands for a station's version, each with its request schema (the one the call is validated against). */
export function commandsFor(protocol: string): CommandSpec[] {
  if (!isOcppVersion(protocol)) return [];
  const version: OcppVersion = protocol;
  const list = version === 'ocpp1.6' ? DAILY['1.6'] : DAILY['2.x'];
  const out: CommandSpec[] = [];
  for (const action of list) {
    const schema = schemaFor(version, action, 'request');
    if (schema) out.push({ action, schema });
  }
  return out;
}

/** May the page send `action` at all (the form offers only these)? */
export function isDailyCommand(protocol: string, action: string): boolean {
  return commandsFor(protocol).some((c) => c.action === action);
}
