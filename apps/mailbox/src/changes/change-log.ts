import type { ChangedTypeName } from '@pushmail/contracts';
import type { ChangeKind } from '../store/entities/change.entity.js';

/** An account's counters; an account that never received mail has all of them at zero. */
export interface AccountStates {
  modseq: number;
  deliveryModseq: number;
  changesHorizon: number;
}

export const INITIAL_STATES: AccountStates = { modseq: 0, deliveryModseq: 0, changesHorizon: 0 };

/** Every data type's state is the account's modseq; EmailDelivery's is the modseq of the last delivery. */
export function stateStrings(states: AccountStates): {
  state: string;
  changed: Record<ChangedTypeName, string>;
} {
  const state = String(states.modseq);
  return {
    state,
    changed: { Email: state, Mailbox: state, Thread: state, EmailDelivery: String(states.deliveryModseq) },
  };
}

/** A state string this server issued: a non-negative integer without leading zeros. */
export function parseState(value: string): number | null {
  return /^(0|[1-9][0-9]{0,14})$/.test(value) ? Number(value) : null;
}

export type SinceStateCheck = { ok: true; since: number } | { ok: false; reason: string };

/**
 * Whether the change log can tell what changed since `sinceState`: a state this server never
 * issued, one from the future, or one older than the pruned part of the log cannot be answered.
 */
export function checkSinceState(sinceState: string, states: AccountStates): SinceStateCheck {
  const since = parseState(sinceState);
  if (since === null)
    return { ok: false, reason: `"${sinceState.slice(0, 64)}" is not a state of this server` };
  if (since > states.modseq) return { ok: false, reason: 'sinceState is newer than the current state' };
  if (since < states.changesHorizon)
    return { ok: false, reason: 'sinceState is older than the retained change log' };
  return { ok: true, since };
}

/** How many objects of one type one change transaction touched. */
export interface ModseqGroup {
  modseq: number;
  objects: number;
}

export type ChangesPage = { ok: true; upTo: number | null; hasMore: boolean } | { ok: false };

/**
 * Picks which change transactions fit one page of at most `maxChanges` ids. A page ends between
 * transactions, since only a whole transaction has a state to resume from. `groups` are the
 * transactions after the since-state in order, at least `maxChanges + 1` of them when that many
 * exist (each holds one object or more, so that is enough to know whether more remain).
 */
export function planChangesPage(groups: readonly ModseqGroup[], maxChanges: number): ChangesPage {
  if (groups.length === 0) return { ok: true, upTo: null, hasMore: false };
  let total = 0;
  let taken = 0;
  for (const group of groups) {
    if (total + group.objects > maxChanges) break;
    total += group.objects;
    taken += 1;
  }
  if (taken === 0) return { ok: false };
  return { ok: true, upTo: groups[taken - 1]!.modseq, hasMore: taken < groups.length };
}

export interface ChangeRow {
  objectId: string;
  kind: ChangeKind;
  modseq: number;
}

export interface CollapsedChanges {
  created: string[];
  updated: string[];
  destroyed: string[];
}

/**
 * Folds the log rows into one list each, as RFC 8620 §5.2 asks: created then updated is created;
 * updated then destroyed is destroyed; created then destroyed is left out altogether.
 */
export function collapseChanges(rows: readonly ChangeRow[]): CollapsedChanges {
  const ordered = [...rows].sort((a, b) => a.modseq - b.modseq);
  const fate = new Map<string, { first: ChangeKind; last: ChangeKind }>();
  for (const row of ordered) {
    const known = fate.get(row.objectId);
    if (known) known.last = row.kind;
    else fate.set(row.objectId, { first: row.kind, last: row.kind });
  }
  const result: CollapsedChanges = { created: [], updated: [], destroyed: [] };
  for (const [id, { first, last }] of fate) {
    if (last === 'destroyed') {
      if (first !== 'created') result.destroyed.push(id);
    } else if (first === 'created') {
      result.created.push(id);
    } else {
      result.updated.push(id);
    }
  }
  return result;
}
