import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@pushmail/platform';
import type { OperationsConfig } from '../config/operations-config.js';
import type { OrgFindings } from './dto/diagnostics.dto.js';
import { type DeviceDiagnosis, diagnoseDevice, type DiagnosisSettings } from './findings.js';
import { type TrailEntry, TrailStore } from './trail-store.service.js';
import { RegistryClient } from '../registry/registry-client.js';
import type { DeviceSummary } from '../registry/registry-types.js';

const PAGE = 200;

/** Findings per device, per account and across the organisation, computed on request from the trail. */
@Injectable()
export class DiagnosticsService {
  constructor(
    @Inject(TrailStore) private readonly trail: TrailStore,
    @Inject(RegistryClient) private readonly registry: RegistryClient,
    @Inject(CONFIG) private readonly config: OperationsConfig,
  ) {}

  async trailOf(accountId: string, deviceId: string, limit: number): Promise<TrailEntry[]> {
    await this.registry.device(accountId, deviceId);
    return this.trail.forDevice(accountId, deviceId, limit);
  }

  async diagnoseDevice(accountId: string, deviceId: string): Promise<DeviceDiagnosis> {
    const device = await this.registry.device(accountId, deviceId);
    const [trail, account] = await Promise.all([
      this.trail.forDevice(accountId, deviceId),
      this.accountFacts(accountId),
    ]);
    return diagnoseDevice(device, trail, account, this.settings());
  }

  async diagnoseAccount(accountId: string): Promise<DeviceDiagnosis[]> {
    const { devices } = await this.registry.devicesOf(accountId);
    return this.diagnoseDevicesOf(accountId, devices);
  }

  /** Every device with a finding; `minimum` leaves out findings below a severity. */
  async diagnoseOrganisation(minimum: 'info' | 'warning' | 'error' = 'info'): Promise<OrgFindings> {
    const rank = { ok: 0, info: 1, warning: 2, error: 3 } as const;
    const found: DeviceDiagnosis[] = [];
    let examined = 0;
    let cursor: string | undefined;
    do {
      const page = await this.registry.devices({ limit: PAGE, ...(cursor ? { cursor } : {}) });
      examined += page.devices.length;
      const byAccount = new Map<string, DeviceSummary[]>();
      for (const device of page.devices) {
        byAccount.set(device.accountId, [...(byAccount.get(device.accountId) ?? []), device]);
      }
      for (const [accountId, devices] of byAccount) {
        for (const diagnosis of await this.diagnoseDevicesOf(accountId, devices)) {
          if (rank[diagnosis.status] >= rank[minimum]) found.push(diagnosis);
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    found.sort((a, b) => rank[b.status] - rank[a.status]);
    return { devices: found, examined };
  }

  private async diagnoseDevicesOf(accountId: string, devices: DeviceSummary[]): Promise<DeviceDiagnosis[]> {
    const [trail, account] = await Promise.all([
      this.trail.forAccount(accountId),
      this.accountFacts(accountId),
    ]);
    const settings = this.settings();
    return devices.map((device) =>
      diagnoseDevice(
        device,
        trail.filter((entry) => entry.deviceId === device.deviceId || entry.deviceId === null),
        account,
        settings,
      ),
    );
  }

  private async accountFacts(accountId: string) {
    const account = await this.registry.account(accountId);
    return {
      deviceCount: account.deviceCount,
      deviceLimit: this.config.MAX_DEVICES_PER_ACCOUNT,
      failedSignIns: account.failedSignIns,
      lockedUntil: account.lockedUntil,
    };
  }

  private settings(): DiagnosisSettings {
    return {
      now: new Date(),
      defaultPingIntervalMs: 30_000,
      staleDays: this.config.DIAG_STALE_DAYS,
      fetchGraceMs: this.config.DIAG_FETCH_GRACE_MS,
      pingGraceMs: this.config.DIAG_PING_GRACE_MS,
    };
  }
}
