import { randomUUID } from 'node:crypto';
import type { Station } from '../client/index.js';
import type { Ocpp201 } from '../protocol/index.js';
import type { Measurand } from './config.js';
import { limitInWatts } from './meter.js';
import {
  type BootReason,
  type Connector,
  now,
  type SessionStart,
  SimStation,
  type StopCause,
  type Tx,
} from './station.js';

type V = 'ocpp2.0.1' | 'ocpp2.1';
// Payloads are built to the 2.0.1 types: 2.1 only added optional fields to these messages (and widened enums).
type TxEvent = Ocpp201.TransactionEventRequest;
type Context = NonNullable<Ocpp201.SampledValueType['context']>;

const STOP: Record<StopCause, [Ocpp201.TriggerReasonEnumType, Ocpp201.ReasonEnumType]> = {
  local: ['StopAuthorized', 'Local'],
  remote: ['RemoteStop', 'Remote'],
  softReset: ['ResetCommand', 'ImmediateReset'],
  hardReset: ['ResetCommand', 'ImmediateReset'],
  unlock: ['UnlockCommand', 'Other'],
  deauthorized: ['Deauthorized', 'DeAuthorized'],
};

interface EventOptions {
  chargingState?: Ocpp201.ChargingStateEnumType;
  stoppedReason?: Ocpp201.ReasonEnumType;
  idToken?: Ocpp201.IdTokenType;
  /** Meter values to include, with their reading context. */
  meter?: [Measurand[], Context];
}

/**
 * OCPP 2.0.1 / 2.1: EVSE n has connector 1. A session: StatusNotification Occupied → Authorize →
 * TransactionEvent Started (TxStartPoint Authorized; the station names the transaction) → Updated
 * (Charging) → Updated (MeterValuePeriodic) … → Ended (TxStopPoint Authorized) → Available on unplug.
 */
export class SimStation2x extends SimStation<V> {
  protected bootPayload(reason: BootReason): Ocpp201.BootNotificationRequest {
    return {
      reason,
      chargingStation: {
        vendorName: 'OcppActors',
        model: 'SimAC22',
        serialNumber: this.identity.slice(-25),
        firmwareVersion: '2.0.1-sim',
      },
    };
  }

  protected async announce(): Promise<void> {
    await Promise.all(this.connectors.map((c) => this.sendStatus(c)));
  }

  protected async sendStatus(c: Connector): Promise<void> {
    const connectorStatus = !c.operative ? 'Unavailable' : c.phase === 'idle' ? 'Available' : 'Occupied';
    await this.call('StatusNotification', {
      timestamp: now(),
      connectorStatus,
      evseId: c.id,
      connectorId: 1,
    });
  }

  protected async startTransaction(c: Connector, start: SessionStart): Promise<Tx | undefined> {
    const gen = this.generation;
    await this.sendStatus(c); // cable plugged in: Occupied
    if (!start.remote && !(await c.timers.sleep(this.tapDelayMs()))) return undefined;
    const idToken = (start.idToken as Ocpp201.IdTokenType | undefined) ?? {
      idToken: start.idTag,
      type: 'ISO14443',
    };
    if (!start.remote || this.config.bool('AuthorizeRemoteTxRequests')) {
      const auth = await this.call('Authorize', { idToken });
      if (!this.alive(gen) || auth?.idTokenInfo.status !== 'Accepted') return undefined;
    }
    const tx: Tx = {
      id: randomUUID(),
      idTag: idToken.idToken,
      remoteStartId: start.remoteStartId,
      startedAt: Date.now(),
      seqNo: 0,
      chargingSince: undefined,
      ending: false,
      deauthorized: false,
    };
    // Known before Started goes out: a RequestStopTransaction may name it as soon as the CSMS sees it.
    c.tx = tx;
    const started = await this.event(c, tx, 'Started', start.remote ? 'RemoteStart' : 'Authorized', {
      chargingState: 'EVConnected',
      idToken,
      meter: [['Energy.Active.Import.Register'], 'Transaction.Begin'],
    });
    if (!this.alive(gen)) return undefined;
    if (!started) {
      if (c.tx === tx) c.tx = undefined;
      return undefined;
    }
    if (tx.ending) return tx;
    tx.deauthorized = started.idTokenInfo !== undefined && started.idTokenInfo.status !== 'Accepted';
    if (tx.deauthorized) return tx;
    c.meter.startCharging();
    tx.chargingSince = Date.now();
    c.phase = 'charging';
    await this.event(c, tx, 'Updated', 'ChargingStateChanged', { chargingState: 'Charging' });
    return tx;
  }

  protected async stopTransaction(c: Connector, tx: Tx, cause: StopCause): Promise<boolean> {
    const [trigger, stoppedReason] = STOP[cause];
    const res = await this.event(c, tx, 'Ended', trigger, {
      chargingState: 'EVConnected',
      stoppedReason,
      meter: [this.config.measurands('StopTxnSampledData'), 'Transaction.End'],
    });
    return res !== undefined;
  }

  protected async sendPeriodicMeterValues(c: Connector, tx: Tx): Promise<void> {
    await this.event(c, tx, 'Updated', 'MeterValuePeriodic', {
      meter: [this.config.measurands('MeterValuesSampledData'), 'Sample.Periodic'],
    });
  }

  private event(
    c: Connector,
    tx: Tx,
    eventType: TxEvent['eventType'],
    triggerReason: Ocpp201.TriggerReasonEnumType,
    o: EventOptions,
  ) {
    const timeSpentCharging = tx.chargingSince
      ? Math.round((Date.now() - tx.chargingSince) / 1000)
      : undefined;
    const meterValue = o.meter ? this.meterValue(c, ...o.meter) : undefined;
    const payload: TxEvent = {
      eventType,
      timestamp: now(),
      triggerReason,
      seqNo: tx.seqNo++,
      transactionInfo: {
        transactionId: tx.id,
        ...(o.chargingState ? { chargingState: o.chargingState } : {}),
        ...(timeSpentCharging !== undefined ? { timeSpentCharging } : {}),
        ...(o.stoppedReason ? { stoppedReason: o.stoppedReason } : {}),
        ...(eventType === 'Started' && tx.remoteStartId !== undefined
          ? { remoteStartId: tx.remoteStartId }
          : {}),
      },
      evse: { id: c.id, connectorId: 1 },
      ...(o.idToken ? { idToken: o.idToken } : {}),
      ...(meterValue ? { meterValue: [meterValue] } : {}),
    };
    return this.call('TransactionEvent', payload);
  }

  private meterValue(
    c: Connector,
    measurands: Measurand[],
    context: Context,
  ): Ocpp201.MeterValueType | undefined {
    const sampledValue = c.meter.read(measurands).map(
      (r): Ocpp201.SampledValueType => ({
        value: r.value,
        context,
        measurand: r.measurand,
        location: r.measurand === 'SoC' ? 'EV' : 'Outlet',
        unitOfMeasure: { unit: r.unit },
      }),
    );
    return sampledValue.length ? { timestamp: now(), sampledValue } : undefined;
  }

  // --- commands from the CSMS -----------------------------------------------------------------------
  protected registerHandlers(client: Station): void {
    const s = client as Station<V>;
    const evse = (id: number | undefined) => (id ? this.connectors[id - 1] : undefined);

    s.handle('Reset', ({ payload }) => {
      if (payload.evseId !== undefined) {
        const c = evse(payload.evseId);
        if (!c) return { status: 'Rejected' };
        if (c.tx && payload.type === 'OnIdle') return { status: 'Scheduled' };
        if (c.tx) this.defer(() => this.stopSession(c, 'hardReset'));
        return { status: 'Accepted' };
      }
      if (payload.type === 'OnIdle' && this.connectors.some((c) => c.phase !== 'idle')) {
        this.rebootWhenIdle = true;
        return { status: 'Scheduled' };
      }
      this.defer(() => this.reboot(payload.type === 'OnIdle' ? 'softReset' : 'hardReset'));
      return { status: 'Accepted' };
    });

    s.handle('RequestStartTransaction', ({ payload }) => {
      const profile = payload.chargingProfile;
      if (profile && profile.chargingProfilePurpose !== 'TxProfile') return { status: 'Rejected' };
      const c = this.pickConnector(payload.evseId);
      if (!c) return { status: 'Rejected' };
      if (profile) this.profiles.install(c, this.profileOf(profile));
      this.remoteStart(c, {
        idTag: payload.idToken.idToken,
        idToken: payload.idToken,
        remote: true,
        remoteStartId: payload.remoteStartId,
      });
      return { status: 'Accepted' };
    });

    s.handle('RequestStopTransaction', ({ payload }) => {
      const c = this.txOf(payload.transactionId);
      if (!c) return { status: 'Rejected' };
      this.defer(() => this.stopSession(c, 'remote'));
      return { status: 'Accepted' };
    });

    s.handle('GetTransactionStatus', ({ payload }) => {
      const messagesInQueue = (this.client?.state.offlineQueue ?? 0) > 0;
      if (payload.transactionId === undefined) return { messagesInQueue };
      return { messagesInQueue, ongoingIndicator: this.txOf(payload.transactionId) !== undefined };
    });

    s.handle('ChangeAvailability', ({ payload }) => {
      const target = payload.evse;
      if (target && (!evse(target.id) || (target.connectorId !== undefined && target.connectorId !== 1)))
        return { status: 'Rejected' };
      const targets = target ? [evse(target.id)!] : this.connectors;
      return { status: this.changeAvailability(targets, payload.operationalStatus === 'Operative') };
    });

    s.handle('UnlockConnector', ({ payload }) => {
      const c = evse(payload.evseId);
      if (!c || payload.connectorId !== 1) return { status: 'UnknownConnector' };
      return { status: c.tx ? 'OngoingAuthorizedTransaction' : 'Unlocked' };
    });

    s.handle('TriggerMessage', ({ payload }) => {
      const id = payload.evse?.id;
      if (id !== undefined && !evse(id)) return { status: 'Rejected' };
      const targets = id ? [evse(id)!] : this.connectors;
      switch (payload.requestedMessage) {
        case 'BootNotification':
          // Only a station not yet accepted may be asked to boot again (F06.FR.17).
          if (this.accepted) return { status: 'Rejected' };
          this.defer(() => this.triggeredBoot());
          break;
        case 'Heartbeat':
          this.defer(() => this.call('Heartbeat', {}));
          break;
        case 'StatusNotification':
          this.defer(() => Promise.all(targets.map((c) => this.sendStatus(c))));
          break;
        case 'MeterValues':
          this.defer(() => Promise.all(targets.map((c) => this.meterValues(c))));
          break;
        case 'TransactionEvent':
          this.defer(() =>
            Promise.all(
              targets.map((c) =>
                c.tx && !c.tx.ending
                  ? this.event(c, c.tx, 'Updated', 'Trigger', {
                      meter: [this.config.measurands('MeterValuesSampledData'), 'Trigger'],
                    })
                  : undefined,
              ),
            ),
          );
          break;
        case 'LogStatusNotification':
          this.defer(() => this.call('LogStatusNotification', { status: 'Idle' }));
          break;
        case 'FirmwareStatusNotification':
          this.defer(() => this.call('FirmwareStatusNotification', { status: 'Idle' }));
          break;
        default:
          return { status: 'NotImplemented' };
      }
      return { status: 'Accepted' };
    });

    s.handle('GetVariables', ({ payload }) => ({
      getVariableResult: payload.getVariableData.map(({ component, variable, attributeType }) => {
        if (attributeType !== undefined && attributeType !== 'Actual')
          return {
            attributeStatus: 'NotSupportedAttributeType' as const,
            attributeType,
            component,
            variable,
          };
        const r = this.config.getVariable(component, variable);
        return {
          attributeStatus: r.status,
          ...(attributeType ? { attributeType } : {}),
          ...(r.value !== undefined ? { attributeValue: r.value } : {}),
          component,
          variable,
        };
      }),
    }));

    s.handle('SetVariables', ({ payload }) => ({
      setVariableResult: payload.setVariableData.map(
        ({ component, variable, attributeType, attributeValue }) => ({
          attributeStatus:
            attributeType !== undefined && attributeType !== 'Actual'
              ? ('NotSupportedAttributeType' as const)
              : this.config.setVariable(component, variable, attributeValue),
          ...(attributeType ? { attributeType } : {}),
          component,
          variable,
        }),
      ),
    }));

    s.handle('SetChargingProfile', ({ payload }) => {
      const p = payload.chargingProfile;
      const c = evse(payload.evseId);
      if (payload.evseId !== 0 && !c) return { status: 'Rejected' };
      const stationWide = p.chargingProfilePurpose === 'ChargingStationMaxProfile';
      if (stationWide && c) return { status: 'Rejected' };
      // A TxProfile belongs to a running transaction on that EVSE (K01.FR.03/09).
      if (p.chargingProfilePurpose === 'TxProfile' && (!c?.tx || p.transactionId !== c.tx.id))
        return { status: 'Rejected' };
      this.profiles.install(c, this.profileOf(p));
      const affected = c ? [c] : this.connectors;
      this.defer(() =>
        Promise.all(
          affected.map((x) =>
            x.tx && !x.tx.ending && x.phase === 'charging'
              ? this.event(x, x.tx, 'Updated', 'ChargingRateChanged', {
                  meter: [['Power.Active.Import'], 'Sample.Periodic'],
                })
              : undefined,
          ),
        ),
      );
      return { status: 'Accepted' };
    });

    s.handle('ClearChargingProfile', ({ payload }) => {
      const k = payload.chargingProfileCriteria;
      const removed = this.profiles.clear(
        (p, c) =>
          (payload.chargingProfileId === undefined || p.id === payload.chargingProfileId) &&
          (k?.evseId === undefined || (c?.id ?? 0) === k.evseId) &&
          (k?.chargingProfilePurpose === undefined || p.purpose === k.chargingProfilePurpose) &&
          (k?.stackLevel === undefined || p.stackLevel === k.stackLevel),
      );
      return { status: removed ? 'Accepted' : 'Unknown' };
    });

    s.handle('DataTransfer', () => ({ status: 'UnknownVendorId' }));
  }

  private async meterValues(c: Connector): Promise<void> {
    const meterValue = this.meterValue(c, this.config.measurands('MeterValuesSampledData'), 'Trigger');
    if (meterValue) await this.call('MeterValues', { evseId: c.id, meterValue: [meterValue] });
  }

  private profileOf(p: {
    id: number;
    chargingProfilePurpose: string;
    stackLevel: number;
    chargingSchedule: {
      chargingRateUnit: 'A' | 'W';
      chargingSchedulePeriod: { limit?: number; numberPhases?: number }[];
    }[];
  }) {
    const schedule = p.chargingSchedule[0];
    const period = schedule?.chargingSchedulePeriod[0];
    return {
      id: p.id,
      purpose: p.chargingProfilePurpose,
      stackLevel: p.stackLevel,
      limitW: schedule && limitInWatts(schedule.chargingRateUnit, period?.limit, period?.numberPhases),
    };
  }
}
