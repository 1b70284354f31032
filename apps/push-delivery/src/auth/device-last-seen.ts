import { Injectable } from '@nestjs/common';

export interface DeviceSighting {
  accountId: string;
  deviceId: string;
  lastSeenAt: Date;
}

/**
 * When each device last showed it was alive (a request, a message, a pong), kept in memory on
 * this replica; device-registry will collect it from here.
 */
@Injectable()
export class DeviceLastSeen {
  private readonly sightings = new Map<string, DeviceSighting>();

  touch(accountId: string, deviceId: string, at: Date = new Date()): void {
    const key = `${accountId}/${deviceId}`;
    const known = this.sightings.get(key);
    if (known) known.lastSeenAt = at;
    else this.sightings.set(key, { accountId, deviceId, lastSeenAt: at });
  }

  lastSeen(accountId: string, deviceId: string): Date | undefined {
    return this.sightings.get(`${accountId}/${deviceId}`)?.lastSeenAt;
  }

  /** Forgets the account's devices not in `deviceIds` (all of them for an account that is gone). */
  retainDevices(accountId: string, deviceIds: ReadonlySet<string>): void {
    for (const [key, sighting] of this.sightings) {
      if (sighting.accountId === accountId && !deviceIds.has(sighting.deviceId)) this.sightings.delete(key);
    }
  }

  all(): DeviceSighting[] {
    return [...this.sightings.values()].map((sighting) => ({ ...sighting }));
  }
}
