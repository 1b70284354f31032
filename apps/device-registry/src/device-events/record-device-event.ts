import { randomUUID } from 'node:crypto';
import { type DeviceEventV1, deviceEventV1 } from '@pushmail/contracts';
import type { EntityManager } from 'typeorm';
import { DeviceEventRecord } from './entities/device-event-record.entity.js';

export type DeviceEventInput = Omit<DeviceEventV1, 'eventId' | 'occurredAt'>;

/**
 * Writes a device event into the outbox, in the transaction of the change it describes; the
 * account's publisher sends it right after the snapshot of the same change.
 */
export async function recordDeviceEvent(manager: EntityManager, input: DeviceEventInput): Promise<void> {
  // Validated now, so a malformed event fails the change rather than the publish later.
  const payload = deviceEventV1.parse({
    ...input,
    eventId: randomUUID(),
    occurredAt: new Date().toISOString(),
  });
  await manager.insert(DeviceEventRecord, { accountId: input.accountId, payload });
}
