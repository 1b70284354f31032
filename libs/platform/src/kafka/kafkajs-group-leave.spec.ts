import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { type ConsumerGroupLike, fixKafkajsFailedJoinLeaves } from './kafkajs-group-leave.js';

const require = createRequire(import.meta.url);
const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup.js') as new (
  options: object,
) => ConsumerGroupLike;

const silentLogger = {
  namespace: () => silentLogger,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * kafkajs's own ConsumerGroup over a coordinator that answers JoinGroup (giving the member an id,
 * another member leads) and then fails SyncGroup as `failSync` says, or answers it.
 */
function consumerGroup(options: { failSync?: Error; failJoin?: Error; leave?: () => Promise<void> }) {
  const left: Array<{ groupId: string; memberId: string }> = [];
  const coordinator = {
    joinGroup: async () => {
      if (options.failJoin) throw options.failJoin;
      return {
        generationId: 1,
        groupProtocol: 'RoundRobinAssigner',
        leaderId: 'another-member',
        memberId: 'this-member',
        members: [],
      };
    },
    syncGroup: async () => {
      if (options.failSync) throw options.failSync;
      return {
        memberAssignment: kafkajs.AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment: { 'pushmail.mail.arrived.v1': [0] },
          userData: Buffer.alloc(0),
        }),
      };
    },
    leaveGroup: async (request: { groupId: string; memberId: string }) => {
      left.push(request);
      await options.leave?.();
    },
  };
  const group = new ConsumerGroup({
    retry: { retries: 0 },
    cluster: {
      findGroupCoordinator: async () => coordinator,
      findTopicPartitionMetadata: () => [{ partitionId: 0 }],
      refreshMetadata: async () => undefined,
      committedOffsets: () => ({}),
    },
    groupId: 'mailbox',
    topics: ['pushmail.mail.arrived.v1'],
    topicConfigurations: {},
    logger: silentLogger,
    instrumentationEmitter: { emit: () => undefined },
    assigners: [],
    sessionTimeout: 30_000,
    rebalanceTimeout: 60_000,
  });
  return { group, left };
}

describe(fixKafkajsFailedJoinLeaves.name, () => {
  it('applies to the kafkajs this project uses, once', () => {
    expect(fixKafkajsFailedJoinLeaves()).toBe(true);
    expect(fixKafkajsFailedJoinLeaves()).toBe(true);
  });

  it('makes a member whose SyncGroup failed leave the group before the error goes on', async () => {
    fixKafkajsFailedJoinLeaves();
    const { group, left } = consumerGroup({ failSync: new Error('Request SyncGroup timed out') });

    await expect(group.joinAndSync()).rejects.toThrow('Request SyncGroup timed out');

    expect(left).toEqual([{ groupId: 'mailbox', memberId: 'this-member' }]);
  });

  it('sends no LeaveGroup for a member the broker never gave an id', async () => {
    fixKafkajsFailedJoinLeaves();
    const { group, left } = consumerGroup({ failJoin: new Error('Connection error: read ECONNRESET') });

    await expect(group.joinAndSync()).rejects.toThrow('ECONNRESET');

    expect(left).toEqual([]);
  });

  it('passes the join’s error on when the leave fails as well', async () => {
    fixKafkajsFailedJoinLeaves();
    const { group, left } = consumerGroup({
      failSync: new Error('Request SyncGroup timed out'),
      leave: async () => {
        throw new Error('Connection error: read ECONNRESET');
      },
    });

    await expect(group.joinAndSync()).rejects.toThrow('Request SyncGroup timed out');
    expect(left).toHaveLength(1);
  });

  it('leaves nothing behind when the member joins', async () => {
    fixKafkajsFailedJoinLeaves();
    const { group, left } = consumerGroup({});

    await group.joinAndSync();

    expect(left).toEqual([]);
    expect(group.memberId).toBe('this-member');
  });
});
