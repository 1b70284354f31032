import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { describeError, LOGGER, PeriodicTask } from '@pushmail/platform';
import { Account } from '../accounts/entities/account.entity.js';
import { AccountPublisher } from './account-publisher.service.js';

const INTERVAL_MS = 2000;
const BATCH = 100;

/**
 * The outbox: `accounts.published_revision < revision` marks an account whose latest change is not
 * on Kafka yet (the publish after commit failed, or the process died in between). Passes run at
 * boot and then every couple of seconds, never two at once.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly passes = new PeriodicTask(
    INTERVAL_MS,
    async () => {
      await this.runOnce();
    },
    (error) => this.report(0, 1, error),
  );
  private stopped = false;
  private failingSince: number | undefined;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(AccountPublisher) private readonly publisher: AccountPublisher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.passes.start({ runNow: true });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.passes.stop();
  }

  /** One pass over the accounts that owe a snapshot; returns how many it published. */
  async runOnce(): Promise<number> {
    const pending = await this.dataSource
      .getRepository(Account)
      .createQueryBuilder('account')
      .select('account.id')
      .where('account.publishedRevision < account.revision')
      .orderBy('account.updatedAt', 'ASC')
      .limit(BATCH)
      .getMany();
    let published = 0;
    let failures = 0;
    let firstFailure: unknown;
    for (const { id } of pending) {
      if (this.stopped) break;
      try {
        if ((await this.publisher.publish(id, 'skip')) === 'published') published += 1;
      } catch (error) {
        failures += 1;
        firstFailure ??= error;
      }
    }
    this.report(published, failures, firstFailure);
    return published;
  }

  /** A broker outage fails every pass; say so once when it starts and once when it ends. */
  private report(published: number, failures: number, firstFailure: unknown): void {
    if (published > 0) this.logger.info({ published }, 'relayed account snapshots');
    if (failures > 0 && this.failingSince === undefined) {
      this.failingSince = Date.now();
      this.logger.warn(
        { failures, error: describeError(firstFailure) },
        'relaying account snapshots failed; retrying',
      );
    } else if (failures === 0 && this.failingSince !== undefined) {
      this.logger.info(
        { failedForMs: Date.now() - this.failingSince },
        'relaying account snapshots recovered',
      );
      this.failingSince = undefined;
    }
  }
}
