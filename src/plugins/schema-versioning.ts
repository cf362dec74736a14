import { randomUUID } from 'node:crypto';
import type {
  InboundTranslation,
  OcppPlugin,
  OutboundTranslation,
  PluginContext,
  StationRef,
} from '../hooks/types.js';
import { errorKindOf } from '../protocol/error-codes.js';
import { RpcError } from '../protocol/errors.js';
import type { OcppVersion } from '../protocol/versions.js';
import { TranslationEngine } from '../translation/engine.js';
import type { AnswerOutcome, CallError, CallOutcome, PendingCall } from '../translation/outcomes.js';
import { presets } from '../translation/presets/index.js';
import type { ISessionStore } from '../translation/session.js';
import type { TranslationMap } from '../translation/types.js';
import { DeferredAnswers } from './deferred-answers.js';
import { type PluginLogger, reportingTo } from './plugin-logger.js';

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
  /** Where this plugin's own lines go too (ocpp-ws-io's option); failures are `pluginError`s either way. */
  readonly logger?: PluginLogger;
  /** Per action; a rule wins over the translation preset for its action. */
  rules?: readonly TransformRule[];
  /**
   * A CALL of an action neither a rule nor the preset covers: handled as it is (default), or answered
   * NotSupported.
   */
  unmatchedBehavior?: 'passthrough' | 'reject';
  /** Only for stations speaking this version (default: `sourceVersion`). */
  applyWhen?: OcppVersion;
  /**
   * The translation map for actions without a rule: by default the translation engine's preset for
   * the two versions (`presets.ocpp16_to_ocpp201`, …); a map of your own (a slice such as
   * `corePreset`, or `mergePresets(...)`); `false` for rules only.
   */
  preset?: TranslationMap | false;
  /**
   * The application's calls to these stations are in `targetVersion` too (default false): the preset
   * translates them down (`RequestStartTransaction` reaches a 1.6 station as `RemoteStartTransaction`)
   * and the station's answer back up. A call the preset has no mapper for goes out as it is. Off by
   * default: with it on, every call to these stations must be written in `targetVersion` (a 1.6
   * `Reset` from the operator page, written in the station's own version, would be read as 2.x's).
   */
  outbound?: boolean;
  /**
   * Where the preset keeps what it correlates across calls (transaction ids, connector map): default
   * in memory, per plugin; a shared store (`KvSessionStore`) when several nodes serve the same stations.
   */
  sessionStore?: ISessionStore;
  /**
   * How long an answer the preset holds back may wait for the message that completes it (a 1.6
   * GetConfiguration without keys to a 2.x station waits for the last NotifyReport part); default 120 s.
   */
  deferredTimeoutMs?: number;
}

/** The translation engine's presets by (station version, handler version). */
const PRESETS: Partial<Record<`${OcppVersion}>${OcppVersion}`, TranslationMap>> = {
  'ocpp1.6>ocpp2.0.1': presets.ocpp16_to_ocpp201,
  'ocpp1.6>ocpp2.1': presets.ocpp16_to_ocpp21,
  'ocpp2.0.1>ocpp1.6': presets.ocpp201_to_ocpp16,
  'ocpp2.1>ocpp1.6': presets.ocpp21_to_ocpp16,
  'ocpp2.0.1>ocpp2.1': presets.ocpp201_to_ocpp21,
  'ocpp2.1>ocpp2.0.1': presets.ocpp21_to_ocpp201,
};

/** A CALL the preset translated: what the engine needs to translate its answer back. */
class PresetCall {
  constructor(readonly pending: PendingCall) {}
}

/**
 * Handlers of one version for stations of another: a station's CALL is validated against its own
 * version, translated up for the handler registered for `targetVersion`, and the handler's answer (or
 * CALLERROR) is translated down and validated against the station's version before it is sent. An
 * action with a rule goes through the rule (synchronous, renamed with `targetMethod`); any other goes
 * through the translation engine's preset for the two versions where one exists (actions renamed,
 * transaction ids correlated through `sessionStore`: asynchronous, in the station's inbound queue).
 */
export function schemaVersioningPlugin(options: SchemaVersioningOptions): OcppPlugin {
  const rules = new Map((options.rules ?? []).map((r) => [r.method, r]));
  const source = options.sourceVersion;
  const applies = options.applyWhen ?? source;
  const target = options.targetVersion;
  const reject = options.unmatchedBehavior === 'reject';
  const preset = options.preset === false ? undefined : (options.preset ?? PRESETS[`${source}>${target}`]);
  let ctx: PluginContext | undefined;
  let report: (error: unknown, hook?: string) => void = () => {};
  const engine = preset
    ? new TranslationEngine({
        stationProtocol: source,
        upstreamProtocol: target,
        ...(options.sessionStore ? { sessionStore: options.sessionStore } : {}),
        onTranslationError: (error) => report(error, 'translation'),
      }).translate(preset)
    : undefined;
  const outbound = engine !== undefined && options.outbound === true;
  /** Calls the preset itself makes to a station are in the station's version already. */
  const ownCalls = new WeakSet<object>();
  const covers = (action: string): boolean => {
    const key = `${source}:${action}`;
    return preset?.upstream?.[key] !== undefined || preset?.passThrough?.includes(key) === true;
  };

  const inbound = (out: CallOutcome, station: StationRef): InboundTranslation => {
    followUps(out, station);
    switch (out.kind) {
      case 'forward':
        return {
          protocol: target,
          action: out.action,
          payload: out.payload,
          state: new PresetCall(out.pending),
        };
      case 'reply':
        return { reply: out.payload };
      case 'error':
        throw rpcErrorOf(out.error);
      case 'batch':
        throw new Error(`${out.pending.original.action} translates to several calls: not for a handler`);
    }
  };
  const outgoing = (out: CallOutcome, station: StationRef): OutboundTranslation => {
    followUps(out, station);
    switch (out.kind) {
      case 'forward':
        return { action: out.action, payload: out.payload, state: new PresetCall(out.pending) };
      case 'reply':
        return { reply: out.payload };
      case 'error':
        throw rpcErrorOf(out.error);
      case 'batch':
        return { batch: out.calls, state: new PresetCall(out.pending) };
    }
  };
  const answer = (out: AnswerOutcome, station: StationRef): Payload => {
    followUps(out, station);
    if (out.kind === 'result') return out.payload;
    if (out.kind === 'error') throw rpcErrorOf(out.error);
    throw new Error("a deferred answer to a station's CALL: the preset has none");
  };
  /**
   * What the preset asks besides the outcome: its own calls, to the station (through the CSMS) or to
   * the handlers (on the station's behalf), and the answers it held back that this message completes.
   */
  const followUps = (out: CallOutcome | AnswerOutcome, station: StationRef): void => {
    for (const call of out.emitted) {
      // After the answer to the CALL that caused it, as the proxy sends them.
      if (call.to === 'station' && ctx) {
        const csms = ctx.csms;
        ownCalls.add(call.payload);
        setImmediate(() =>
          csms.call(station.identity, call.action, call.payload).catch((e: unknown) => report(e)),
        );
      } else if (ctx) {
        // A call the preset makes to the handlers (in the target version): in the station's inbound queue.
        const csms = ctx.csms;
        setImmediate(() =>
          csms
            .handleCall(station.identity, call.action, call.payload, target)
            .catch((e: unknown) => report(e)),
        );
      }
    }
    // Answers to the application's calls the preset held back (see translateOutboundAnswer).
    for (const c of out.completions)
      if (c.to === 'csms') deferred.complete(`${station.identity}\u0000${c.id}`, c.payload);
      else notCarriedOut("a deferred answer to a station's CALL");
  };
  const deferred = new DeferredAnswers(options.deferredTimeoutMs ?? 120_000);
  /** Reported once per kind, not per call. */
  const reported = new Set<string>();
  const notCarriedOut = (what: string): void => {
    if (reported.has(what)) return;
    reported.add(what);
    report(new Error(`schemaVersioningPlugin does not carry out ${what}; reported once`));
  };

  return {
    name: 'schema-versioning',
    level: 4,
    setup(c) {
      ctx = c;
      report = reportingTo(c, 'schema-versioning', options.logger);
      // A store the plugin made is the plugin's to close; one it was given is not.
      return async () => {
        deferred.clear();
        if (!options.sessionStore) await engine?.close();
      };
    },
    translateInbound(station, action, payload, messageId) {
      if (station.protocol !== applies) return undefined;
      const rule = rules.get(action);
      if (rule)
        return {
          protocol: target,
          action: rule.targetMethod ?? action,
          payload: rule.transform(payload, 'up'),
        };
      if (engine && covers(action)) {
        return engine
          .translateCall('upstream', station.identity, { id: messageId, action, payload })
          .then((out) => inbound(out, station));
      }
      return reject ? 'reject' : undefined;
    },
    translateAnswer(station, action, response, state) {
      if (state instanceof PresetCall)
        return engine!
          .translateResponse(station.identity, state.pending, response)
          .then((out) => answer(out, station));
      if (station.protocol !== applies) return undefined;
      return rules.get(action)?.transform(response, 'down');
    },
    translateOutbound(station, action, payload) {
      if (!outbound || station.protocol !== applies || ownCalls.has(payload)) return undefined;
      if (preset?.downstream?.[`${target}:${action}`] === undefined) return undefined;
      return engine!
        .translateCall('downstream', station.identity, { id: randomUUID(), action, payload })
        .then((out) => outgoing(out, station));
    },
    translateOutboundAnswer(station, _action, response, state) {
      if (!(state instanceof PresetCall)) return undefined;
      return engine!.translateResponse(station.identity, state.pending, response).then((out) => {
        if (out.kind !== 'deferred') return answer(out, station);
        followUps(out, station);
        return deferred.wait(`${station.identity}\u0000${state.pending.original.id}`);
      });
    },
    translateOutboundError(station, _action, error, state) {
      if (!(state instanceof PresetCall)) return undefined;
      const received = {
        errorCode: error.code,
        errorDescription: error.description,
        errorDetails: error.details,
      };
      return engine!.translateError(station.identity, state.pending, received).then((out) => {
        if (out.kind === 'error') return rpcErrorOf(out.error);
        throw new Error(`an errors mapper answered ${action(state)} with a result: not for a call of ours`);
      });
    },
    translateError(station, _action, error, state) {
      if (!(state instanceof PresetCall)) return undefined;
      const received = {
        errorCode: error.codeFor(target),
        errorDescription: error.description,
        errorDetails: error.details,
      };
      return engine!.translateError(station.identity, state.pending, received).then((out) => {
        if (out.kind === 'error') return rpcErrorOf(out.error);
        throw new Error(`an errors mapper answered ${action(state)} with a result: not for a station's CALL`);
      });
    },
  };
}

const action = (state: PresetCall) => state.pending.original.action;

function rpcErrorOf(error: CallError): RpcError {
  return new RpcError(
    errorKindOf(error.errorCode),
    error.errorDescription,
    error.errorDetails,
    error.errorCode,
  );
}
