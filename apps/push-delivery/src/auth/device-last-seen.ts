import { Injectable } from '@nestjs/common';

export interface DeviceSighting {
  accountId: string;
  deviceId: string;
  lastSeenAt: Date;
  /** The device's network address when last seen, if known. */
  address?: string;
}

/**
 * When each device last showed it was alive (a request, a message, a pong), kept in memory on
 * this replica and reported to device-registry in batches (its first and last sync).
 */
@Injectable()
export class DeviceLastSeen {
  private readonly sightings = new Map<string, DeviceSighting>();
  /** Sightings not yet reported to device-registry. */
  private readonly unreported = new Set<string>();

  touch(accountId: string, deviceId: string, at: Date = new Date(), address?: string): void {
    const key = `${accountId}/${deviceId}`;
    const known = this.sightings.get(key);
    if (known) {
      known.lastSeenAt = at;
      if (address !== undefined) known.address = address;
    } else {
      this.sightings.set(key, {
        accountId,
        deviceId,
        lastSeenAt: at,
        ...(address !== undefined ? { address } : {}),
      });
    }
    this.unreported.add(key);
  }

  /** The sightings since the last call, for reporting; a failed report gives them back with `restore`. */
  takeUnreported(): DeviceSighting[] {
    const taken: DeviceSighting[] = [];
    for (const key of this.unreported) {
      const sighting = this.sightings.get(key);
      if (sighting) taken.push({ ...sighting });
    }
    this.unreported.clear();
    return taken;
  }

  restore(sightings: readonly DeviceSighting[]): void {
    for (const sighting of sightings) {
      const key = `${sighting.accountId}/${sighting.deviceId}`;
      if (this.sightings.has(key)) this.unreported.add(key);
    }
  }

  lastSeen(accountId: string, deviceId: string): Date | undefined {
    return this.sightings.get(`${accountId}/${deviceId}`)?.lastSeenAt;
  }

  /** Forgets the account's devices not in `deviceIds` (all of them for an account that is gone). */
  retainDevices(accountId: string, deviceIds: ReadonlySet<string>): void {
    for (const [key, sighting] of this.sightings) {
      if (sighting.accountId === accountId && !deviceIds.has(sighting.deviceId)) {
        this.sightings.delete(key);
        this.unreported.delete(key);
      }
    }
  }

  all(): DeviceSighting[] {
    return [...this.sightings.values()].map((sighting) => ({ ...sighting }));
  }
}
