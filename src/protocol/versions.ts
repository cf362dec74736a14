/** The OCPP-J subprotocols this runtime speaks, as negotiated in `Sec-WebSocket-Protocol`. */
export const OCPP_VERSIONS = ['ocpp1.6', 'ocpp2.0.1', 'ocpp2.1'] as const;
export type OcppVersion = (typeof OCPP_VERSIONS)[number];

export function isOcppVersion(value: unknown): value is OcppVersion {
  return value === 'ocpp1.6' || value === 'ocpp2.0.1' || value === 'ocpp2.1';
}

/** 1.6 is its own era for error codes and field names; 2.0.1 and 2.1 share one. */
export function isOcpp2(version: OcppVersion): boolean {
  return version !== 'ocpp1.6';
}
