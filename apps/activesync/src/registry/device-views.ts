import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { accountTopic, deviceCredentialsTopic, type DeviceCredentialsV1 } from '@pushmail/contracts';
import {
  type CredentialsListener,
  DeviceCredentialIndex,
  type DeviceState,
  deviceStateOf,
  sha256Hex,
  SnapshotFollowers,
} from '@pushmail/edge';
import { CompactedTopicView, KAFKA, LOGGER, ReadinessRegistry } from '@pushmail/platform';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';

/** Everything the gateway must know about one device before it runs a command for it. */
export interface DeviceStanding extends DeviceState {
  accountActive: boolean;
}

/**
 * This replica's copy of every account's devices (access, policy, wipes, token digests) and of every
 * account's address, read from the compacted topics device-registry publishes, exactly as
 * push-delivery reads them: a block, a policy change or a wipe is in force here within moments.
 */
@Injectable()
export class DeviceViews implements OnModuleInit, OnApplicationShutdown {
  private readonly credentials: CompactedTopicView<typeof deviceCredentialsTopic.schema>;
  private readonly accounts: CompactedTopicView<typeof accountTopic.schema>;
  private readonly tokens = new DeviceCredentialIndex();
  private readonly followers: SnapshotFollowers;

  constructor(
    @Inject(KAFKA) kafka: Kafka,
    @Inject(LOGGER) logger: Logger,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
  ) {
    this.credentials = new CompactedTopicView(kafka, logger, {
      topic: deviceCredentialsTopic,
      groupPrefix: 'activesync-credentials',
      revisionOf: (snapshot) => snapshot.revision,
      onChange: (accountId, snapshot) => this.apply(accountId, snapshot),
    });
    this.accounts = new CompactedTopicView(kafka, logger, {
      topic: accountTopic,
      groupPrefix: 'activesync-accounts',
      revisionOf: (snapshot) => snapshot.revision,
    });
    this.followers = new SnapshotFollowers(
      logger.child({ component: 'device-views' }),
      (accountId) => this.credentials.get(accountId)?.revision,
    );
  }

  get isCaughtUp(): boolean {
    return this.credentials.isCaughtUp && this.accounts.isCaughtUp;
  }

  addressOf(accountId: string): string | undefined {
    return this.accounts.get(accountId)?.address;
  }

  /** The active hosted accounts owning any of the addresses (lower-cased), in one pass over the directory. */
  accountsOfAddresses(addresses: ReadonlySet<string>): Map<string, string> {
    const found = new Map<string, string>();
    if (addresses.size === 0) return found;
    for (const account of this.accounts.values()) {
      const address = account.address.toLowerCase();
      if (account.status === 'active' && addresses.has(address)) found.set(address, account.accountId);
    }
    return found;
  }

  snapshotOf(accountId: string): DeviceCredentialsV1 | undefined {
    return this.credentials.get(accountId);
  }

  /** The device a bearer token stands for, if any device of an active account holds it. */
  deviceOfToken(token: string): { accountId: string; deviceId: string } | undefined {
    return this.tokens.lookup(sha256Hex(token));
  }

  standingOf(accountId: string, deviceId: string): DeviceStanding {
    const snapshot = this.credentials.get(accountId);
    return { ...deviceStateOf(snapshot, deviceId), accountActive: snapshot?.accountStatus === 'active' };
  }

  /** Resolves true once this replica holds the account's snapshot at `revision` or later. */
  waitForRevision(accountId: string, revision: number, timeoutMs: number): Promise<boolean> {
    return this.followers.waitForRevision(accountId, revision, timeoutMs);
  }

  onAccountChanged(listener: CredentialsListener): void {
    this.followers.onAccountChanged(listener);
  }

  async onModuleInit(): Promise<void> {
    this.readiness.register('device-views', () => this.isCaughtUp);
    await Promise.all([this.credentials.start(), this.accounts.start()]);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.credentials.stop(), this.accounts.stop()]);
  }

  private apply(accountId: string, snapshot: DeviceCredentialsV1 | undefined): void {
    this.tokens.replaceAccount(accountId, snapshot);
    this.followers.applied(accountId, snapshot);
  }
}
