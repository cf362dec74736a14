import { UnrepresentableError } from './errors.js';
import type { ISessionStore } from './session.js';

/** Where a 1.6 connector sits in the 2.x station / EVSE / connector tree. */
export interface EvseConnector {
  readonly evseId: number;
  readonly connectorId: number;
}

/** One row of a station's map: 1.6 `connectorId` <-> 2.x (evseId, connectorId). */
export interface ConnectorMapping extends EvseConnector {
  readonly connector16: number;
}

const KEY = 'connectorMap';

/**
 * Per-station connector map, kept in the session store so every proxy node reads the same one.
 * Without a row the default applies: evse = 1.6 connectorId, connector = 1 (ocpp-notes §4.2).
 * 1.6 connector 0 (the whole charge point) has no EVSE; callers handle it before asking.
 */
export class ConnectorMap {
  constructor(private readonly session: ISessionStore) {}

  async set(identity: string, rows: readonly ConnectorMapping[]): Promise<void> {
    await this.session.set(identity, KEY, rows);
  }

  /** A 1.6 connector (>= 1) as its 2.x EVSE and connector. */
  async toEvse(identity: string, connector16: number): Promise<EvseConnector> {
    if (connector16 < 1)
      throw new UnrepresentableError(`1.6 connectorId ${connector16} is no EVSE connector`);
    const rows = await this.rows(identity);
    const row = rows?.find((r) => r.connector16 === connector16);
    return row
      ? { evseId: row.evseId, connectorId: row.connectorId }
      : { evseId: connector16, connectorId: 1 };
  }

  /** A 1.6 connector as a 2.x `EVSEType` ({ id, connectorId }); connector 0 or none is no EVSE. */
  async evseOf(
    identity: string,
    connector16: number | undefined,
  ): Promise<{ id: number; connectorId: number } | undefined> {
    if (connector16 === undefined || connector16 === 0) return undefined;
    const { evseId, connectorId } = await this.toEvse(identity, connector16);
    return { id: evseId, connectorId };
  }

  /** A 2.x EVSE (and optional connector) as a 1.6 connectorId; an unmapped EVSE reads as its own id. */
  async toConnector16(identity: string, evseId: number, connectorId?: number): Promise<number> {
    if (evseId < 0) throw new UnrepresentableError(`evseId ${evseId} is no EVSE`);
    const rows = await this.rows(identity);
    const row = rows?.find(
      (r) => r.evseId === evseId && (connectorId === undefined || r.connectorId === connectorId),
    );
    return row ? row.connector16 : evseId;
  }

  private rows(identity: string): Promise<ConnectorMapping[] | undefined> {
    return this.session.get<ConnectorMapping[]>(identity, KEY);
  }
}
