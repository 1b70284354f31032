import { fixKafkajsMethod } from './kafkajs-internals.js';

/**
 * kafkajs 2.2.4's consumer commits offsets through an `OffsetManager` that keeps the group
 * coordinator it was given when the member joined. When the coordinator moves (its broker restarts,
 * or leadership of the `__consumer_offsets` partition moves), the old broker answers every
 * OffsetCommit with NOT_COORDINATOR; kafkajs then only refreshes the cluster metadata and rethrows.
 * The error is retriable, so `consumer.commitOffsets` retries — against the same old broker, as the
 * manager only looks a coordinator up again when its connection is closed, and a restarted broker's
 * connection is open again. A consumer whose retries are unbounded (as every `EventConsumer` is)
 * then commits to the wrong broker until its session expires, handling nothing meanwhile.
 *
 * This wraps that one method: on NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE it looks the group's
 * coordinator up again (FindCoordinator) before the error goes back to the retry, so the next try goes
 * to the broker that now holds the group. Everything else is kafkajs's own code. A kafkajs whose
 * method reads otherwise (a release that fixed it, or changed it) is left alone.
 */

/** The commit errors after which the manager's coordinator is no longer the group's. */
export const STALE_COORDINATOR_ERRORS: ReadonlySet<string> = new Set([
  'NOT_COORDINATOR_FOR_GROUP',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
]);

/** What kafkajs 2.2.4's commitOffsets does on that error, and nothing about the coordinator. */
const FAULTY_HANDLING = "e.type === 'NOT_COORDINATOR_FOR_GROUP'";

interface ClusterLike {
  findGroupCoordinator(options: { groupId: string }): Promise<unknown>;
}

export interface OffsetManagerLike {
  groupId: string;
  coordinator: unknown;
  cluster: ClusterLike;
  commitOffsets(offsets?: unknown): Promise<void>;
}

export function isStaleCoordinatorError(error: unknown): boolean {
  const type = (error as { type?: unknown } | null)?.type;
  return typeof type === 'string' && STALE_COORDINATOR_ERRORS.has(type);
}

/** Applies the fix to the kafkajs this process loads; true when the method is (now) the fixed one. */
export function fixKafkajsOffsetCommitCoordinator(): boolean {
  return fixKafkajsMethod<OffsetManagerLike, 'commitOffsets'>(
    'kafkajs/src/consumer/offsetManager/index.js',
    'commitOffsets',
    FAULTY_HANDLING,
    (original) =>
      async function commitOffsets(this: OffsetManagerLike, offsets?: unknown) {
        try {
          await original.call(this, offsets);
        } catch (error) {
          if (isStaleCoordinatorError(error)) {
            try {
              this.coordinator = await this.cluster.findGroupCoordinator({ groupId: this.groupId });
            } catch {
              // No coordinator found yet: the retry of the commit comes back here and looks again.
            }
          }
          throw error;
        }
      },
  );
}
