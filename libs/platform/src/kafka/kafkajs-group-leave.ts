import { fixKafkajsMethod } from './kafkajs-internals.js';

/**
 * kafkajs 2.2.4 restarts a crashed consumer as a new member of its group (a new `ConsumerGroup`, no
 * member id), and leaves the group first only if the old member had started fetching. A member
 * that failed while joining — its JoinGroup answered, then its connection reset or its SyncGroup
 * timed out — never leaves: the broker keeps it until its session expires (30 s), and every
 * rebalance until then waits for it, or makes it the leader whose assignment the others wait for.
 * Their SyncGroup then times out (the client's request timeout, 10 s, is shorter than the session),
 * each such failure adds one more member that never leaves, and the group can go round like that
 * for minutes. In local runs of `faults/network-faults.fault-spec.ts` mailbox paused storing for up
 * to 111 s (15–25 s in most runs), its log showing SyncGroup timeouts and restarts; one CI run
 * stored nothing for the 150 s the scenario waits. With this fix it stored again within 4.3 s of the
 * last reset in 17 of 19 runs, and within 32 s in the others (docs/guarantees.md).
 *
 * This wraps `joinAndSync`: when it fails after the broker gave the member an id, the member leaves
 * the group (LeaveGroup, bounded to `LEAVE_TIMEOUT_MS`) before the error goes on to kafkajs's
 * restart, so the next member's join does not wait for it. If the leave fails too (the link is still
 * down), the session timeout removes the member, as before. A kafkajs whose method reads otherwise
 * is left alone.
 */

export const LEAVE_TIMEOUT_MS = 5000;

/** What kafkajs 2.2.4's joinAndSync does with an error that is not a rebalance: gives up the join. */
const UNLEFT_FAILURE = 'bail(e)';

export interface ConsumerGroupLike {
  groupId: string;
  memberId: string | null;
  joinAndSync(): Promise<void>;
  leave(): Promise<void>;
}

/** Applies the fix to the kafkajs this process loads; true when the method is (now) the fixed one. */
export function fixKafkajsFailedJoinLeaves(): boolean {
  return fixKafkajsMethod<ConsumerGroupLike, 'joinAndSync'>(
    'kafkajs/src/consumer/consumerGroup.js',
    'joinAndSync',
    UNLEFT_FAILURE,
    (original) =>
      async function joinAndSync(this: ConsumerGroupLike) {
        try {
          await original.call(this);
        } catch (error) {
          if (this.memberId) {
            let timer: NodeJS.Timeout | undefined;
            await Promise.race([
              this.leave().catch(() => undefined),
              new Promise<void>((resolve) => (timer = setTimeout(resolve, LEAVE_TIMEOUT_MS))),
            ]);
            clearTimeout(timer);
          }
          throw error;
        }
      },
  );
}
