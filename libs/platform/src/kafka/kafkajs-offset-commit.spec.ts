import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  fixKafkajsOffsetCommitCoordinator,
  isStaleCoordinatorError,
  type OffsetManagerLike,
} from './kafkajs-offset-commit.js';

const require = createRequire(import.meta.url);
const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as {
  createErrorFromCode: (code: number) => Error & { type: string; retriable: boolean };
};
const OffsetManager = require('kafkajs/src/consumer/offsetManager/index.js') as new (
  options: object,
) => OffsetManagerLike;
const createRetry = require('kafkajs/src/retry/index.js') as (
  options: object,
) => <T>(run: (bail: (error: Error) => void) => Promise<T>) => Promise<T>;

const NOT_COORDINATOR = 16;
const COORDINATOR_NOT_AVAILABLE = 15;
const UNKNOWN_MEMBER_ID = 25;
const TOPIC = 'mail.arrived';

/** A broker that answers OffsetCommit with `errorCode`, or accepts it when none is given. */
function coordinator(nodeId: number, errorCode?: number) {
  const commits: unknown[] = [];
  return {
    nodeId,
    commits,
    isConnected: () => true,
    offsetCommit: async (payload: unknown) => {
      commits.push(payload);
      if (errorCode !== undefined) throw createErrorFromCode(errorCode);
      return {};
    },
  };
}

function offsetManager(first: ReturnType<typeof coordinator>, current: ReturnType<typeof coordinator>) {
  const lookups: string[] = [];
  const committed: Record<string, Record<number, string>> = {};
  const cluster = {
    committedOffsets: () => committed,
    refreshMetadata: async () => undefined,
    findGroupCoordinator: async ({ groupId }: { groupId: string }) => {
      lookups.push(groupId);
      return current;
    },
  };
  const manager = new OffsetManager({
    cluster,
    coordinator: first,
    memberAssignment: { [TOPIC]: [0] },
    autoCommit: false,
    autoCommitInterval: null,
    autoCommitThreshold: null,
    topicConfigurations: { [TOPIC]: { fromBeginning: true } },
    instrumentationEmitter: { emit: () => undefined },
    groupId: 'push-delivery',
    generationId: 7,
    memberId: 'member-1',
  });
  return { manager, lookups };
}

const offsets = { topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset: '42' }] }] };

/** How the consumer's `commitOffsets` runs a commit: kafkajs's retrier, retrying retriable errors. */
function commitWithRetries(manager: OffsetManagerLike): Promise<void> {
  const retrier = createRetry({ retries: 5, initialRetryTime: 1, maxRetryTime: 5 });
  return retrier(() => manager.commitOffsets(offsets));
}

describe(fixKafkajsOffsetCommitCoordinator.name, () => {
  it('recognises the installed kafkajs and applies the fix once', () => {
    expect(fixKafkajsOffsetCommitCoordinator()).toBe(true);
    expect(fixKafkajsOffsetCommitCoordinator()).toBe(true);
  });

  it('sends the retried commit to the new coordinator after the old one answers NOT_COORDINATOR', async () => {
    fixKafkajsOffsetCommitCoordinator();
    const old = coordinator(1, NOT_COORDINATOR);
    const moved = coordinator(2);
    const { manager, lookups } = offsetManager(old, moved);

    await commitWithRetries(manager);

    expect(old.commits).toHaveLength(1);
    expect(moved.commits).toHaveLength(1);
    expect(lookups).toEqual(['push-delivery']);
    expect(manager.coordinator).toBe(moved);
  });

  it('looks the coordinator up again after COORDINATOR_NOT_AVAILABLE too', async () => {
    fixKafkajsOffsetCommitCoordinator();
    const old = coordinator(1, COORDINATOR_NOT_AVAILABLE);
    const moved = coordinator(3);
    const { manager } = offsetManager(old, moved);

    await commitWithRetries(manager);

    expect(old.commits).toHaveLength(1);
    expect(moved.commits).toHaveLength(1);
  });

  it('keeps the coordinator and rethrows on errors that do not mean it moved', async () => {
    fixKafkajsOffsetCommitCoordinator();
    const current = coordinator(1, UNKNOWN_MEMBER_ID);
    const other = coordinator(2);
    const { manager, lookups } = offsetManager(current, other);

    await expect(manager.commitOffsets(offsets)).rejects.toMatchObject({ type: 'UNKNOWN_MEMBER_ID' });
    expect(lookups).toEqual([]);
    expect(manager.coordinator).toBe(current);
  });

  it('still rethrows the commit error when no coordinator can be found yet', async () => {
    fixKafkajsOffsetCommitCoordinator();
    const old = coordinator(1, NOT_COORDINATOR);
    const { manager } = offsetManager(old, old);
    manager.cluster.findGroupCoordinator = async () => {
      throw new Error('Failed to find group coordinator');
    };

    await expect(manager.commitOffsets(offsets)).rejects.toMatchObject({ type: 'NOT_COORDINATOR_FOR_GROUP' });
    expect(manager.coordinator).toBe(old);
  });
});

describe(isStaleCoordinatorError.name, () => {
  it('names the errors that mean the group has another coordinator', () => {
    expect(isStaleCoordinatorError(createErrorFromCode(NOT_COORDINATOR))).toBe(true);
    expect(isStaleCoordinatorError(createErrorFromCode(COORDINATOR_NOT_AVAILABLE))).toBe(true);
    expect(isStaleCoordinatorError(createErrorFromCode(UNKNOWN_MEMBER_ID))).toBe(false);
    expect(isStaleCoordinatorError(new Error('socket hang up'))).toBe(false);
    expect(isStaleCoordinatorError(null)).toBe(false);
  });
});
