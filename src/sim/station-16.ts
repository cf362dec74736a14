import type { Station } from '../client/index.js';
import type { Ocpp16 } from '../protocol/index.js';
import { limitInWatts, type Reading } from './meter.js';
import {
  type BootReason,
  type Connector,
  now,
  type SessionStart,
  SimStation,
  type StopCause,
  type Tx,
} from './station.js';

type V = 'ocpp1.6';
type Status16 = Ocpp16.StatusNotificationRequest['status'];
type SampledValue16 = Ocpp16.MeterValuesRequest['meterValue'][number]['sampledValue'][number];

const STOP_REASON: Record<StopCause, NonNullable<Ocpp16.StopTransactionRequest['reason']>> = {
  local: 'Local',
  remote: 'Remote',
  softReset: 'SoftReset',
  hardReset: 'HardReset',
  unlock: 'UnlockCommand',
  deauthorized: 'DeAuthorized',
};

/**
 * OCPP 1.6: connector 0 is the station; a session goes Available → Preparing → (Authorize) →
 * StartTransaction → Charging → MeterValues … → StopTransaction → Finishing → Available, and the CSMS
 * numbers the transaction.
 */
export class SimStation16 extends SimStation<V> {
  protected bootPayload(_reason: BootReason): Ocpp16.BootNotificationRequest {
    return {
      chargePointVendor: 'OcppActors',
      chargePointModel: 'SimAC22',
      chargePointSerialNumber: this.identity.slice(-25),
      firmwareVersion: '1.6.0-sim',
    };
  }

  protected async announce(): Promise<void> {
    await this.status(0, this.connectors.some((c) => c.operative) ? 'Available' : 'Unavailable');
    await Promise.all(this.connectors.map((c) => this.sendStatus(c)));
  }

  protected sendStatus(c: Connector): Promise<void> {
    const status: Status16 = !c.operative
      ? 'Unavailable'
      : c.phase === 'charging'
        ? 'Charging'
        : c.phase === 'finishing'
          ? 'Finishing'
          : c.phase === 'preparing'
            ? 'Preparing'
            : 'Available';
    return this.status(c.id, status);
  }

  private async status(connectorId: number, status: Status16): Promise<void> {
    await this.call('StatusNotification', { connectorId, errorCode: 'NoError', status, timestamp: now() });
  }

  protected async startTransaction(c: Connector, start: SessionStart): Promise<Tx | undefined> {
    const gen = this.generation;
    await this.status(c.id, 'Preparing');
    if (!start.remote && !(await c.timers.sleep(this.tapDelayMs()))) return undefined;
    if (!start.remote || this.config.bool('AuthorizeRemoteTxRequests')) {
      const auth = await this.call('Authorize', { idTag: start.idTag });
      if (!this.alive(gen) || auth?.idTagInfo.status !== 'Accepted') return undefined;
    }
    const meterStart = c.meter.energyWh();
    const res = await this.call('StartTransaction', {
      connectorId: c.id,
      idTag: start.idTag,
      meterStart,
      timestamp: now(),
    });
    if (!this.alive(gen) || !res) return undefined;
    const tx: Tx = {
      id: String(res.transactionId),
      idTag: start.idTag,
      remoteStartId: undefined,
      startedAt: Date.now(),
      seqNo: 0,
      chargingSince: undefined,
      ending: false,
      deauthorized: res.idTagInfo.status !== 'Accepted',
    };
    c.tx = tx;
    if (tx.deauthorized) return tx;
    c.meter.startCharging();
    tx.chargingSince = Date.now();
    c.phase = 'charging';
    await this.status(c.id, 'Charging');
    return tx;
  }

  protected async stopTransaction(c: Connector, tx: Tx, cause: StopCause): Promise<boolean> {
    const ended = this.sample(c, this.config.measurands('StopTxnSampledData'), 'Transaction.End');
    const res = await this.call('StopTransaction', {
      transactionId: Number(tx.id),
      idTag: tx.idTag,
      meterStop: c.meter.energyWh(),
      timestamp: now(),
      reason: STOP_REASON[cause],
      ...(ended.length ? { transactionData: [{ timestamp: now(), sampledValue: ended }] } : {}),
    });
    if (!this.rebooting) await this.status(c.id, 'Finishing');
    return res !== undefined;
  }

  protected async sendPeriodicMeterValues(c: Connector, tx: Tx): Promise<void> {
    await this.meterValues(c, tx, 'Sample.Periodic');
  }

  private async meterValues(c: Connector, tx: Tx | undefined, context: SampledValue16['context']) {
    const sampledValue = this.sample(c, this.config.measurands('MeterValuesSampledData'), context);
    if (!sampledValue.length) return;
    await this.call('MeterValues', {
      connectorId: c.id,
      ...(tx ? { transactionId: Number(tx.id) } : {}),
      meterValue: [{ timestamp: now(), sampledValue }],
    });
  }

  private sample(c: Connector, measurands: Reading['measurand'][], context: SampledValue16['context']) {
    return c.meter.read(measurands).map(
      (r): SampledValue16 => ({
        value: String(r.value),
        context,
        measurand: r.measurand,
        location: r.measurand === 'SoC' ? 'EV' : 'Outlet',
        unit: r.unit,
      }),
    );
  }

  // --- commands from the CSMS -----------------------------------------------------------------------
  protected registerHandlers(client: Station): void {
    const s = client as Station<V>;
    const connector = (id: number | undefined) => (id ? this.connectors[id - 1] : undefined);

    s.handle('Reset', ({ payload }) => {
      this.defer(() => this.reboot(payload.type === 'Hard' ? 'hardReset' : 'softReset'));
      return { status: 'Accepted' };
    });

    s.handle('RemoteStartTransaction', ({ payload }) => {
      const profile = payload.chargingProfile;
      if (payload.connectorId === 0 || (profile && profile.chargingProfilePurpose !== 'TxProfile'))
        return { status: 'Rejected' };
      const c = this.pickConnector(payload.connectorId);
      if (!c) return { status: 'Rejected' };
      if (profile) this.profiles.install(c, this.profileOf(profile));
      this.remoteStart(c, { idTag: payload.idTag, remote: true });
      return { status: 'Accepted' };
    });

    s.handle('RemoteStopTransaction', ({ payload }) => {
      const c = this.txOf(String(payload.transactionId));
      if (!c) return { status: 'Rejected' };
      this.defer(() => this.stopSession(c, 'remote'));
      return { status: 'Accepted' };
    });

    s.handle('ChangeAvailability', ({ payload }) => {
      const targets = payload.connectorId === 0 ? this.connectors : [connector(payload.connectorId)];
      if (targets.some((c) => !c)) return { status: 'Rejected' };
      const status = this.changeAvailability(targets as Connector[], payload.type === 'Operative');
      if (payload.connectorId === 0 && status === 'Accepted')
        this.defer(() => this.status(0, payload.type === 'Operative' ? 'Available' : 'Unavailable'));
      return { status };
    });

    s.handle('UnlockConnector', ({ payload }) => {
      const c = connector(payload.connectorId);
      if (!c) return { status: 'NotSupported' };
      // The transaction ends first; the cable is then released.
      if (c.tx) this.defer(() => this.stopSession(c, 'unlock'));
      return { status: 'Unlocked' };
    });

    s.handle('TriggerMessage', ({ payload }) => {
      const id = payload.connectorId;
      if (id !== undefined && id !== 0 && !connector(id)) return { status: 'Rejected' };
      const targets = id ? [connector(id)!] : this.connectors;
      switch (payload.requestedMessage) {
        case 'BootNotification':
          this.defer(() => this.triggeredBoot());
          break;
        case 'Heartbeat':
          this.defer(() => this.call('Heartbeat', {}));
          break;
        case 'StatusNotification':
          // connectorId 0 is the station itself; none: the station and every connector.
          this.defer(() =>
            id === undefined
              ? this.announce()
              : id === 0
                ? this.status(0, this.connectors.some((c) => c.operative) ? 'Available' : 'Unavailable')
                : this.sendStatus(targets[0]!),
          );
          break;
        case 'MeterValues':
          this.defer(() => Promise.all(targets.map((c) => this.meterValues(c, c.tx, 'Trigger'))));
          break;
        case 'DiagnosticsStatusNotification':
          this.defer(() => this.call('DiagnosticsStatusNotification', { status: 'Idle' }));
          break;
        case 'FirmwareStatusNotification':
          this.defer(() => this.call('FirmwareStatusNotification', { status: 'Idle' }));
          break;
      }
      return { status: 'Accepted' };
    });

    s.handle('GetConfiguration', ({ payload }) => this.config.getConfiguration(payload.key));
    s.handle('ChangeConfiguration', ({ payload }) => ({
      status: this.config.changeConfiguration(payload.key, payload.value),
    }));

    s.handle('SetChargingProfile', ({ payload }) => {
      const p = payload.csChargingProfiles;
      const c = connector(payload.connectorId);
      if (payload.connectorId !== 0 && !c) return { status: 'Rejected' };
      if (p.stackLevel > this.config.int('ChargeProfileMaxStackLevel')) return { status: 'Rejected' };
      if (p.chargingProfilePurpose === 'ChargePointMaxProfile' && c) return { status: 'Rejected' };
      if (p.chargingProfilePurpose === 'TxProfile') {
        // A TxProfile belongs to a running transaction on that connector.
        if (!c?.tx || (p.transactionId !== undefined && String(p.transactionId) !== c.tx.id))
          return { status: 'Rejected' };
      }
      this.profiles.install(c, this.profileOf(p));
      return { status: 'Accepted' };
    });

    s.handle('ClearChargingProfile', ({ payload }) => {
      const removed = this.profiles.clear(
        (p, c) =>
          (payload.id === undefined || p.id === payload.id) &&
          (payload.connectorId === undefined || (c?.id ?? 0) === payload.connectorId) &&
          (payload.chargingProfilePurpose === undefined || p.purpose === payload.chargingProfilePurpose) &&
          (payload.stackLevel === undefined || p.stackLevel === payload.stackLevel),
      );
      return { status: removed ? 'Accepted' : 'Unknown' };
    });

    s.handle('DataTransfer', () => ({ status: 'UnknownVendorId' }));
  }

  private profileOf(p: Ocpp16.SetChargingProfileRequest['csChargingProfiles']) {
    const period = p.chargingSchedule.chargingSchedulePeriod[0];
    return {
      id: p.chargingProfileId,
      purpose: p.chargingProfilePurpose,
      stackLevel: p.stackLevel,
      limitW: limitInWatts(p.chargingSchedule.chargingRateUnit, period?.limit, period?.numberPhases),
    };
  }
}
