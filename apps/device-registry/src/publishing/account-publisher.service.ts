import { Inject, Injectable } from '@nestjs/common';
import {
  accountTopic,
  deviceCredentialsTopic,
  type DeviceEventV1,
  deviceEventTopic,
  type DevicePolicyV1,
  type DeviceWipeCommandV1,
} from '@pushmail/contracts';
import { describeError, EventProducer, LOGGER } from '@pushmail/platform';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { Account } from '../accounts/entities/account.entity.js';
import { DeviceEventRecord } from '../device-events/entities/device-event-record.entity.js';
import { DeviceToken } from '../devices/entities/device-token.entity.js';
import { Device } from '../devices/entities/device.entity.js';
import { RegistryMetrics } from '../metrics/registry-metrics.js';
import { effectivePolicyOf } from '../policies/effective-policy.js';
import { DeviceWipe } from '../wipes/entities/device-wipe.entity.js';
import { type AccountState, buildAccountSnapshots } from './account-snapshots.js';

/** How long a request waits for its snapshot to reach Kafka before answering anyway. */
const SYNCHRONOUS_PUBLISH_BUDGET_MS = 5000;

/** A change touching many accounts publishes this many at once, and this many in the request at most. */
const PUBLISH_PARALLELISM = 8;
const PUBLISH_IN_REQUEST_MAX = 500;

export type PublishOutcome = 'published' | 'up-to-date' | 'busy' | 'missing';

/**
 * Publishes an account's snapshots and records the revision as published. One publisher at a time
 * per account, across replicas (a transaction-scoped advisory lock), reading the state only once
 * it holds the lock: on a compacted topic the last record per key wins, so a snapshot must never
 * overtake a newer one.
 */
@Injectable()
export class AccountPublisher {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(EventProducer) private readonly producer: EventProducer,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(RegistryMetrics) private readonly metrics: RegistryMetrics,
  ) {}

  /**
   * Called after a change has committed. Never throws: the change is durable and the outbox relay
   * delivers what this attempt could not.
   */
  async publishAfterCommit(accountId: string): Promise<void> {
    const attempt = this.publish(accountId, 'wait');
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), SYNCHRONOUS_PUBLISH_BUDGET_MS);
    });
    try {
      const outcome = await Promise.race([attempt, budget]);
      if (outcome === 'timeout') {
        this.logger.warn(
          { accountId },
          'publishing account snapshots is slow; answering now, the relay will deliver',
        );
        attempt.catch(() => undefined);
      }
    } catch (error) {
      this.logger.warn(
        { accountId, error: describeError(error) },
        'publishing account snapshots failed; the change is saved and the relay will deliver it',
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * After a change to many accounts (a rule, a policy): the first few hundred are published before
   * the answer, so connected devices see the change at once; the outbox relay sends the rest.
   */
  async publishManyAfterCommit(accountIds: readonly string[]): Promise<void> {
    const now = [...new Set(accountIds)].slice(0, PUBLISH_IN_REQUEST_MAX);
    for (let start = 0; start < now.length; start += PUBLISH_PARALLELISM) {
      await Promise.all(
        now.slice(start, start + PUBLISH_PARALLELISM).map((id) => this.publishAfterCommit(id)),
      );
    }
  }

  /**
   * `wait` queues behind another publisher of the same account; `skip` leaves the account to it
   * (whoever holds the lock publishes the latest state or fails and leaves it for the next pass).
   */
  async publish(accountId: string, whenBusy: 'wait' | 'skip'): Promise<PublishOutcome> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const lockKey = `registry:publish:${accountId}`;
      if (whenBusy === 'wait') {
        await runner.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey]);
      } else {
        const rows: { locked: boolean }[] = await runner.query(
          'SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked',
          [lockKey],
        );
        if (!rows[0]?.locked) {
          await runner.rollbackTransaction();
          return 'busy';
        }
      }
      const state = await loadAccountState(runner.manager, accountId);
      if (!state) {
        await runner.rollbackTransaction();
        return 'missing';
      }
      const pendingEvents = await runner.manager.find(DeviceEventRecord, {
        where: { accountId },
        order: { seq: 'ASC' },
        take: 500,
      });
      if (state.publishedRevision >= state.account.revision && pendingEvents.length === 0) {
        await runner.rollbackTransaction();
        return 'up-to-date';
      }
      const snapshots = buildAccountSnapshots(state);
      await this.producer.publish(accountTopic, [snapshots.account]);
      await this.producer.publish(deviceCredentialsTopic, [snapshots.credentials]);
      // After the snapshot: a reader reacting to an event finds the state it describes.
      await this.producer.publish(
        deviceEventTopic,
        pendingEvents.map((record): DeviceEventV1 => record.payload),
      );
      if (pendingEvents.length > 0) {
        await runner.manager.delete(
          DeviceEventRecord,
          pendingEvents.map((record) => record.seq),
        );
      }
      await runner.manager
        .createQueryBuilder()
        .update(Account)
        .set({ publishedRevision: state.account.revision })
        .where('id = :id AND published_revision < :revision', {
          id: accountId,
          revision: state.account.revision,
        })
        .execute();
      await runner.commitTransaction();
      // Counted once the outbox rows are gone: a rolled-back attempt publishes the same events again.
      for (const record of pendingEvents) this.metrics.deviceEventPublished(record.payload.type);
      return 'published';
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }
}

async function loadAccountState(
  manager: EntityManager,
  accountId: string,
): Promise<(AccountState & { publishedRevision: number }) | undefined> {
  const account = await manager.findOneBy(Account, { id: accountId });
  if (!account) return undefined;
  const devices = await manager.find(Device, {
    where: { accountId },
    select: {
      deviceId: true,
      access: true,
      accountId: true,
      accessReason: true,
      status: true,
      acknowledgedPolicyId: true,
      acknowledgedPolicyVersion: true,
    },
  });
  const pendingWipes = await manager.find(DeviceWipe, { where: { accountId, status: 'pending' } });
  const wipeByDevice = new Map<string, DeviceWipeCommandV1>(
    pendingWipes.map((wipe) => [
      wipe.deviceId,
      {
        wipeId: wipe.id,
        kind: wipe.kind,
        requestedBy: wipe.requestedBy,
        requestedAt: wipe.requestedAt.toISOString(),
      },
    ]),
  );
  const policy = await effectivePolicyOf(manager, accountId);
  const liveTokens = await manager
    .createQueryBuilder(DeviceToken, 'token')
    .select(['token.deviceId', 'token.tokenSha256', 'token.createdAt'])
    .where('token.accountId = :accountId AND token.revokedAt IS NULL', { accountId })
    .getMany();
  return {
    account: {
      id: account.id,
      address: account.address,
      status: account.status,
      revision: account.revision,
      updatedAt: account.updatedAt,
    },
    publishedRevision: account.publishedRevision,
    devices: devices.map((device) => ({
      deviceId: device.deviceId,
      access: device.access,
      accessRule: device.accessReason,
      status: device.status,
      acknowledgedPolicy:
        device.acknowledgedPolicyId !== null && device.acknowledgedPolicyVersion !== null
          ? { policyId: device.acknowledgedPolicyId, version: device.acknowledgedPolicyVersion }
          : null,
      pendingWipe: wipeByDevice.get(device.deviceId) ?? null,
    })),
    policy: policy ? policySnapshot(policy) : null,
    liveTokens: liveTokens.map((token) => ({
      deviceId: token.deviceId,
      tokenSha256: token.tokenSha256,
      createdAt: token.createdAt,
    })),
  };
}

function policySnapshot(policy: {
  id: string;
  name: string;
  version: number;
  settings: DevicePolicyV1['settings'];
}): DevicePolicyV1 {
  return { policyId: policy.id, name: policy.name, version: policy.version, settings: policy.settings };
}
