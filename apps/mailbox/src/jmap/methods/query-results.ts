import { MethodError } from '@pushmail/jmap';
import { type AccountStates, checkSinceState } from '../../changes/change-log.js';
import {
  invalidArguments,
  optionalBoolean,
  optionalInt,
  optionalString,
  optionalUnsignedInt,
  requireString,
} from './arguments.js';

/** The arguments of Foo/query that choose which part of the results it answers with (RFC 8620 §5.5). */
export interface QueryWindow {
  position: number;
  anchor: string | undefined;
  anchorOffset: number;
  /** As the client asked; undefined when it set no limit. */
  limit: number | undefined;
  calculateTotal: boolean;
}

export function queryWindowArguments(args: Record<string, unknown>): QueryWindow {
  return {
    position: optionalInt(args, 'position') ?? 0,
    anchor: optionalString(args, 'anchor'),
    anchorOffset: optionalInt(args, 'anchorOffset') ?? 0,
    limit: optionalUnsignedInt(args, 'limit'),
    calculateTotal: optionalBoolean(args, 'calculateTotal', false),
  };
}

/**
 * A Foo/query answer cut from all the matching ids in their order, for the types whose results are
 * small enough to be listed whole (mailboxes, submissions).
 */
export function queryAnswer(
  accountId: string,
  queryState: number,
  ids: readonly string[],
  window: QueryWindow,
): Record<string, unknown> {
  const { position, anchor, anchorOffset, limit, calculateTotal } = window;
  let start = position < 0 ? Math.max(0, ids.length + position) : position;
  if (anchor !== undefined) {
    const index = ids.indexOf(anchor);
    if (index < 0) throw new MethodError('anchorNotFound', 'the anchor is not in the results');
    start = Math.max(0, index + anchorOffset);
  }
  return {
    accountId,
    queryState: String(queryState),
    canCalculateChanges: true,
    position: start,
    ids: ids.slice(start, limit === undefined ? undefined : start + limit),
    ...(calculateTotal ? { total: ids.length } : {}),
  };
}

/** The arguments every Foo/queryChanges takes (RFC 8620 §5.6). */
export interface QueryChangesArguments {
  sinceQueryState: string;
  maxChanges: number | undefined;
  calculateTotal: boolean;
}

export function queryChangesArguments(args: Record<string, unknown>): QueryChangesArguments {
  const sinceQueryState = requireString(args, 'sinceQueryState');
  const maxChanges = optionalUnsignedInt(args, 'maxChanges');
  if (maxChanges === 0) throw invalidArguments('"maxChanges" must be greater than 0');
  return { sinceQueryState, maxChanges, calculateTotal: optionalBoolean(args, 'calculateTotal', false) };
}

/** The modseq a client's state stands for, or cannotCalculateChanges when the change log cannot tell. */
export function sinceModseq(sinceState: string, states: AccountStates): number {
  const since = checkSinceState(sinceState, states);
  if (!since.ok) throw new MethodError('cannotCalculateChanges', since.reason);
  return since.since;
}

/**
 * A Foo/queryChanges answer in which every changed id is removed and, where it is in the new results,
 * added again at its index: applying it to the old results gives the new ones.
 */
export function queryChangesAnswer(
  accountId: string,
  asked: QueryChangesArguments,
  newQueryState: number,
  ids: readonly string[],
  changed: ReadonlySet<string>,
): Record<string, unknown> {
  const { sinceQueryState, maxChanges, calculateTotal } = asked;
  const removed = [...changed].sort();
  const added = ids.flatMap((id, index) => (changed.has(id) ? [{ id, index }] : []));
  if (maxChanges !== undefined && removed.length + added.length > maxChanges) {
    throw new MethodError('tooManyChanges', `more than ${maxChanges} changes; query again`);
  }
  return {
    accountId,
    oldQueryState: sinceQueryState,
    newQueryState: String(newQueryState),
    ...(calculateTotal ? { total: ids.length } : {}),
    removed,
    added,
  };
}
