import type { PushedTypeName } from '@pushmail/contracts';
import type { ChangeKind, ChangeType } from '../store/query-builder.js';

/** Every type the log records and every kind of change: the only ones ever written into a statement's text. */
const CHANGE_TYPES: Readonly<Record<ChangeType, true>> = {
  Email: true,
  Mailbox: true,
  Thread: true,
  Identity: true,
  EmailSubmission: true,
};
const CHANGE_KINDS: Readonly<Record<ChangeKind, true>> = { created: true, updated: true, destroyed: true };

export function isChangeType(name: string): name is ChangeType {
  return Object.hasOwn(CHANGE_TYPES, name);
}

export function isChangeKind(name: string): name is ChangeKind {
  return Object.hasOwn(CHANGE_KINDS, name);
}

/** An account's counters; an account that never received mail has all of them at zero. */
export interface AccountStates {
  /** Moves by one with every change transaction: the push state. */
  modseq: number;
  emailModseq: number;
  mailboxModseq: number;
  threadModseq: number;
  identityModseq: number;
  submissionModseq: number;
  deliveryModseq: number;
  vacationModseq: number;
  changesHorizon: number;
}

export const INITIAL_STATES: AccountStates = {
  modseq: 0,
  emailModseq: 0,
  mailboxModseq: 0,
  threadModseq: 0,
  identityModseq: 0,
  submissionModseq: 0,
  deliveryModseq: 0,
  vacationModseq: 0,
  changesHorizon: 0,
};

/** A type's state: the modseq of the last change to an object of that type. */
export function typeModseq(states: AccountStates, type: ChangeType): number {
  switch (type) {
    case 'Email':
      return states.emailModseq;
    case 'Mailbox':
      return states.mailboxModseq;
    case 'Thread':
      return states.threadModseq;
    case 'Identity':
      return states.identityModseq;
    case 'EmailSubmission':
      return states.submissionModseq;
  }
}

function typeStates(states: AccountStates): Record<PushedTypeName, number> {
  return {
    Email: states.emailModseq,
    Mailbox: states.mailboxModseq,
    Thread: states.threadModseq,
    EmailDelivery: states.deliveryModseq,
    VacationResponse: states.vacationModseq,
    Identity: states.identityModseq,
    EmailSubmission: states.submissionModseq,
  };
}

/** The push state and every data type's state. */
export function stateStrings(states: AccountStates): {
  state: string;
  changed: Record<PushedTypeName, string>;
} {
  const changed = {} as Record<PushedTypeName, string>;
  for (const [type, modseq] of Object.entries(typeStates(states))) {
    changed[type as PushedTypeName] = String(modseq);
  }
  return { state: String(states.modseq), changed };
}

/**
 * The types whose state moved after push state `since`, with their states: exactly what a device
 * that saw `since` has missed. A state this server never issued (or a future one) gets every type.
 */
export function changedSince(
  states: AccountStates,
  since: string | undefined,
): Partial<Record<PushedTypeName, string>> {
  const all = stateStrings(states).changed;
  const from = since === undefined ? null : parseState(since);
  if (from === null || from > states.modseq) return all;
  const changed: Partial<Record<PushedTypeName, string>> = {};
  for (const [type, modseq] of Object.entries(typeStates(states))) {
    if (modseq > from) changed[type as PushedTypeName] = String(modseq);
  }
  return changed;
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

export type ChangesPage = { ok: true; rows: ChangeRow[]; hasMore: boolean } | { ok: false };

/**
 * Picks the rows of one page of at most `maxChanges` ids from the first `maxChanges + 1` rows of
 * the log after the since-state, in (modseq, object) order. A page ends between transactions,
 * since only a whole transaction has a state to resume from. The log holds one row per object and
 * transaction (its primary key), so `maxChanges` rows or fewer are that many ids at most: all of
 * them; with one more, the transaction of that last row may go on past it and waits for the next
 * page, with every row of it read so far.
 */
export function pageOfChanges(rows: readonly ChangeRow[], maxChanges: number): ChangesPage {
  if (rows.length <= maxChanges) return { ok: true, rows: [...rows], hasMore: false };
  const cut = rows[maxChanges]!.modseq;
  const page = rows.slice(0, maxChanges).filter((row) => row.modseq < cut);
  return page.length === 0 ? { ok: false } : { ok: true, rows: page, hasMore: true };
}

export interface ChangeRow {
  objectId: string;
  kind: ChangeKind;
  modseq: number;
}

/**
 * What one transaction did to an object it touched twice: created then updated is created, updated
 * then destroyed is destroyed, created then destroyed is nothing (null).
 */
export function mergeKinds(first: ChangeKind | null, next: ChangeKind): ChangeKind | null {
  if (first === null) return next;
  if (next === 'destroyed') return first === 'created' ? null : 'destroyed';
  if (first === 'created') return 'created';
  if (first === 'destroyed') return 'updated';
  return 'updated';
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
