import { z } from 'zod';
import { accountId, isoTimestamp } from './common.js';

/** JMAP data types whose state an account change can move. */
export const changedTypeNames = ['Email', 'Mailbox', 'Thread', 'EmailDelivery'] as const;
export type ChangedTypeName = (typeof changedTypeNames)[number];

/**
 * Types whose changes are announced since after v1 was first published. They travel in
 * `alsoChanged`, not `changed`: a v1 reader that predates them rejects a `changed` key it does not
 * know, but ignores a field it does not know, so these events stay readable by every v1 consumer.
 */
export const laterChangedTypeNames = ['VacationResponse'] as const;
export type LaterChangedTypeName = (typeof laterChangedTypeNames)[number];

/**
 * Types announced in `moreChanged`, an open record (ADR 0093): a reader that does not know a key
 * there still reads the event, so a type added to this list needs no new field and no new topic.
 */
export const moreChangedTypeNames = ['Identity', 'EmailSubmission'] as const;
export type MoreChangedTypeName = (typeof moreChangedTypeNames)[number];

/** Every type a StateChange of an account's mail can name. */
export const pushedTypeNames = [
  ...changedTypeNames,
  ...laterChangedTypeNames,
  ...moreChangedTypeNames,
] as const;
export type PushedTypeName = (typeof pushedTypeNames)[number];

/**
 * An account's mail changed. `changed` maps each JMAP data type that changed to its new state
 * string, exactly what a JMAP StateChange carries; `state` is the account's overall state.
 */
export const mailboxChangedV1 = z.object({
  eventId: z.uuid(),
  accountId,
  state: z.string().min(1).max(64),
  changed: z.partialRecord(z.enum(changedTypeNames), z.string().min(1).max(64)),
  /** Like `changed`, for the types of `laterChangedTypeNames`; a StateChange carries both. */
  alsoChanged: z.partialRecord(z.enum(laterChangedTypeNames), z.string().min(1).max(64)).optional(),
  /**
   * Like `changed`, for types announced later still (`moreChangedTypeNames`), and open: its keys are
   * any JMAP type name, so a reader keeps reading an event that names a type it does not know yet.
   */
  moreChanged: z
    .record(z.string().regex(/^[A-Z][A-Za-z0-9]{0,63}$/), z.string().min(1).max(64))
    .refine((record) => Object.keys(record).length <= 32, 'at most 32 types')
    .optional(),
  /** Why it changed, for consumers that care (a delivery, a device's update, ...). */
  cause: z.enum(['delivery', 'update', 'destroy', 'mailbox']),
  /** Ids of emails created by this change, when the cause is a delivery. */
  createdEmailIds: z.array(z.string().max(64)).max(1000).default([]),
  /**
   * For a delivery: every mailbox the emails of `createdEmailIds` were filed in (all of them, even
   * when that list is cut at its bound), so that a reader watching folders knows which gained mail
   * without asking. It says nothing of other changes the same state may hold: a mailbox not named
   * here may have changed too. Absent when the publisher does not know them. Added to v1 as an
   * optional field, which readers from before it ignore (ADR 0100).
   */
  createdInMailboxIds: z.array(z.string().min(1).max(64)).max(100).optional(),
  occurredAt: isoTimestamp,
  /**
   * For a delivery: when ingest accepted the earliest message this change announces (its
   * mail-arrived `receivedAt`), so the edge can measure acceptance-to-push latency. Absent for
   * other causes and for a delivery announced again after its first announcement failed.
   */
  acceptedAt: isoTimestamp.optional(),
});
export type MailboxChangedV1 = z.infer<typeof mailboxChangedV1>;

const moreChangedTypes: ReadonlySet<string> = new Set(moreChangedTypeNames);

/**
 * What a StateChange for the event carries: `changed`, `alsoChanged` and the known types of
 * `moreChanged` together.
 */
export function pushedChanges(event: MailboxChangedV1): Partial<Record<PushedTypeName, string>> {
  const pushed: Partial<Record<PushedTypeName, string>> = { ...event.changed, ...event.alsoChanged };
  for (const [type, state] of Object.entries(event.moreChanged ?? {})) {
    if (moreChangedTypes.has(type)) pushed[type as MoreChangedTypeName] = state;
  }
  return pushed;
}
