import { MethodError } from '@pushmail/jmap';
import type { DataSource } from 'typeorm';
import { checkSinceState } from '../../changes/change-log.js';
import type { ChangesService } from '../../changes/changes.service.js';
import type { ChangeType } from '../../store/query-builder.js';
import { invalidArguments, optionalUnsignedInt, requireAccountId, requireString } from './arguments.js';
import { readSnapshot } from './read-snapshot.js';

/** The most ids one /changes answer carries, whatever maxChanges asks for. */
export const MAX_CHANGES_PER_CALL = 5000;

/** Foo/changes (RFC 8620 §5.2) for any type the change log records. */
export async function answerChanges(
  dataSource: DataSource,
  changes: ChangesService,
  type: ChangeType,
  args: Record<string, unknown>,
  accountId: string,
): Promise<Record<string, unknown>> {
  requireAccountId(args);
  const sinceState = requireString(args, 'sinceState');
  const maxChanges = optionalUnsignedInt(args, 'maxChanges');
  if (maxChanges === 0) throw invalidArguments('"maxChanges" must be greater than 0');
  const limit = Math.min(maxChanges ?? MAX_CHANGES_PER_CALL, MAX_CHANGES_PER_CALL);

  return readSnapshot(dataSource, async (manager) => {
    const states = await changes.readStates(accountId, manager);
    const since = checkSinceState(sinceState, states);
    if (!since.ok) throw new MethodError('cannotCalculateChanges', since.reason);
    const result = await changes.changesSince(manager, accountId, type, states, since.since, limit);
    if (!result.ok) {
      throw new MethodError(
        'cannotCalculateChanges',
        `one change holds more than ${limit} ${type} ids; resynchronise`,
      );
    }
    return {
      accountId,
      oldState: sinceState,
      newState: String(result.newState),
      hasMoreChanges: result.hasMoreChanges,
      created: result.created,
      updated: result.updated,
      destroyed: result.destroyed,
      ...(type === 'Mailbox' ? { updatedProperties: null } : {}),
    };
  });
}
