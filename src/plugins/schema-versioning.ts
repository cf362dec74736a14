import type { OcppPlugin, StationRef } from '../hooks/types.js';
import type { OcppVersion } from '../protocol/versions.js';

type Payload = Record<string, unknown>;

export interface TransformRule {
  /** The station's action. */
  method: string;
  /** The action handlers handle it as, in `targetVersion` (default: the same name). */
  targetMethod?: string;
  /**
   * `"up"`: the station's request, into `targetVersion` for the handler. `"down"`: the handler's
   * response (in `targetVersion`), back into the station's version.
   */
  transform(payload: Payload, direction: 'up' | 'down'): Payload;
}

export interface SchemaVersioningOptions {
  /** The stations' version (e.g. `"ocpp1.6"`). */
  sourceVersion: OcppVersion;
  /** The version handlers are written for (e.g. `"ocpp2.0.1"`). */
  targetVersion: OcppVersion;
  rules: readonly TransformRule[];
  /** A CALL of an action without a rule: handled as it is (default), or answered NotSupported. */
  unmatchedBehavior?: 'passthrough' | 'reject';
  /** Only for stations speaking this version (default: `sourceVersion`). */
  applyWhen?: OcppVersion;
}

/**
 * Handlers of one version for stations of another: a station's CALL is validated against its own
 * version, transformed "up" (and renamed, with `targetMethod`) for the handler registered for
 * `targetVersion`, and the handler's answer is transformed "down" and validated against the station's
 * version before it is sent.
 */
export function schemaVersioningPlugin(options: SchemaVersioningOptions): OcppPlugin {
  const rules = new Map(options.rules.map((r) => [r.method, r]));
  const applies = options.applyWhen ?? options.sourceVersion;
  const target = options.targetVersion;
  const reject = options.unmatchedBehavior === 'reject';
  const ruleFor = (station: StationRef, action: string) =>
    station.protocol === applies ? rules.get(action) : undefined;

  return {
    name: 'schema-versioning',
    level: 4,
    translateInbound(station, action, payload) {
      if (station.protocol !== applies) return undefined;
      const rule = rules.get(action);
      if (!rule) return reject ? 'reject' : undefined;
      return {
        protocol: target,
        action: rule.targetMethod ?? action,
        payload: rule.transform(payload, 'up'),
      };
    },
    translateAnswer(station, action, response) {
      return ruleFor(station, action)?.transform(response, 'down');
    },
  };
}
