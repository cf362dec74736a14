/**
 * Every name ocpp-protocol-proxy 0.1.1 exports (its documentation shows fewer) but `OCPPTranslator`
 * resolves from `ocpp-actors/proxy`: this file type-checks only if they all exist. The status tables
 * agree with what the preset actually sends.
 */
import { describe, expect, it } from 'vitest';
import type {
  IConnection,
  ISessionStore,
  ITransportAdapter,
  MiddlewareDirection,
  MiddlewarePhase,
  OCPPMessage,
  OCPPProtocolProxyOptions,
  OcppWsIoConnection,
  ProxyMiddleware,
  TranslationContext,
  TranslationMap,
  TranslationResult,
  WsAdapterOptions,
} from '../../src/proxy/index.js';
import * as proxy from '../../src/proxy/index.js';

const { MessageType, TranslationEngine, availabilityMap16to21, presets, statusMap16to21, statusMap21to16 } =
  proxy;

/** The package's value exports; `satisfies` makes a missing one a type error. */
const VALUES = [
  'availabilityMap16to21',
  'availabilityMap21to16',
  'corePreset',
  'firmwarePreset',
  'InMemorySessionStore',
  'localAuthPreset',
  'MessageType',
  'OCPPProtocolProxy',
  'OcppWsIoAdapter',
  'presets',
  'reservationPreset',
  'smartChargingPreset',
  'statusMap16to21',
  'statusMap21to16',
  'TelemetryMiddleware',
] as const satisfies readonly (keyof typeof proxy)[];

describe("ocpp-protocol-proxy's exported names", () => {
  it('are all here, values and types', () => {
    const exported: Readonly<Record<string, unknown>> = proxy;
    expect(VALUES.filter((name) => exported[name] === undefined)).toEqual([]);
    const direction: MiddlewareDirection = 'response';
    const phase: MiddlewarePhase = 'post';
    const middleware: ProxyMiddleware = async (message: OCPPMessage, _ctx: TranslationContext) =>
      message.type === MessageType.CALL ? undefined : message;
    const options: OCPPProtocolProxyOptions & WsAdapterOptions = {
      upstreamEndpoint: 'ws://127.0.0.1:1',
      upstreamProtocol: 'ocpp2.1',
      middlewares: [middleware],
      port: 0,
    };
    const typed: [
      IConnection?,
      OcppWsIoConnection?,
      ITransportAdapter?,
      ISessionStore?,
      TranslationMap?,
      TranslationResult?,
    ] = [];
    expect([direction, phase, options.port, typed.length]).toEqual(['response', 'post', 0, 0]);
    expect(MessageType).toEqual({ CALL: 2, CALLRESULT: 3, CALLERROR: 4 });
  });

  it('statusMap16to21 is what the 1.6 -> 2.1 preset sends for each status', async () => {
    const engine = new TranslationEngine({ stationProtocol: 'ocpp1.6', upstreamProtocol: 'ocpp2.1' });
    engine.translate(presets.ocpp16_to_ocpp21);
    for (const [status, connectorStatus] of Object.entries(statusMap16to21)) {
      const out = await engine.translateCall('upstream', 'CP1', {
        id: `s-${status}`,
        action: 'StatusNotification',
        payload: { connectorId: 1, errorCode: 'NoError', status },
      });
      expect(out).toMatchObject({ kind: 'forward', payload: { connectorStatus } });
    }
    expect(Object.keys(statusMap16to21)).toHaveLength(9);
    expect(statusMap21to16.Occupied).toBe('Preparing');
    expect(availabilityMap16to21).toEqual({ Operative: 'Operative', Inoperative: 'Inoperative' });
  });
});
