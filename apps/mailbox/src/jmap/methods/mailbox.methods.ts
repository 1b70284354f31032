import { Injectable } from '@nestjs/common';
import { DEFAULT_CORE_LIMITS, type MethodContext, MethodError } from '@pushmail/jmap';
import type { EntityManager } from 'typeorm';
import { loadMailboxNodes, type MailboxNodeRow } from '../../mailboxes/load-mailboxes.js';
import { OWNER_RIGHTS, ROLE_RIGHTS } from '../../mailboxes/mailbox-rights.js';
import { descendantsOf, queryMailboxes } from '../../mailboxes/mailbox-tree.js';
import { idsArgument, optionalBoolean, propertiesArgument } from './arguments.js';
import { resolveCreationId } from './email.methods.js';
import { ListedQueryMethods } from './type-methods.js';

export const MAILBOX_PROPERTIES = [
  'id',
  'name',
  'parentId',
  'role',
  'sortOrder',
  'totalEmails',
  'unreadEmails',
  'totalThreads',
  'unreadThreads',
  'myRights',
  'isSubscribed',
] as const;

/** An account's mailboxes (or those of `$2`), in order, with the count columns `counts` selects. */
function mailboxesSelecting(counts: string, join = ''): string {
  return `
  SELECT mailbox.id, mailbox.name, mailbox.parent_id, mailbox.role, mailbox.sort_order, mailbox.is_subscribed,
         ${counts}
    FROM mailbox.mailboxes AS mailbox ${join}
   WHERE mailbox.account_id = $1 AND ($2::text[] IS NULL OR mailbox.id = ANY($2::text[]))
   ORDER BY mailbox.sort_order, mailbox.name`;
}

// The counts are kept per mailbox as its emails change (migration 1796800000000, ADR 0102): reading
// them costs the same whatever the mailbox holds. A mailbox no email was ever filed in has no row yet.
export const MAILBOXES_WITH_COUNTS = mailboxesSelecting(
  `coalesce(counts.total_emails, 0) AS total_emails, coalesce(counts.unread_emails, 0) AS unread_emails,
         coalesce(counts.total_threads, 0) AS total_threads, coalesce(counts.unread_threads, 0) AS unread_threads`,
  'LEFT JOIN mailbox.mailbox_counts AS counts ON counts.mailbox_id = mailbox.id',
);

/** The properties read from the kept counts. */
const COUNT_PROPERTIES = ['totalEmails', 'unreadEmails', 'totalThreads', 'unreadThreads'] as const;

/** The same rows without the counts, which no property asked for (a folder list: not in the answer). */
const MAILBOXES_WITHOUT_COUNTS = mailboxesSelecting(
  '0 AS total_emails, 0 AS unread_emails, 0 AS total_threads, 0 AS unread_threads',
);

interface MailboxRow extends MailboxNodeRow {
  total_emails: number;
  unread_emails: number;
  total_threads: number;
  unread_threads: number;
}

/**
 * Mailbox/get, changes, query and queryChanges (RFC 8621 §2). The counts are written with the
 * emails, in the same transactions, so those read in the same snapshot as the state are exact for it.
 */
@Injectable()
export class MailboxMethods extends ListedQueryMethods<MailboxQuery> {
  protected readonly type = 'Mailbox';
  protected readonly queryOf = queryOptions;

  async get(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const { accountId } = context;
    const ids =
      idsArgument(args, DEFAULT_CORE_LIMITS.maxObjectsInGet, false)?.map((id) =>
        resolveCreationId(id, context),
      ) ?? null;
    const properties = propertiesArgument(args, 'properties', MAILBOX_PROPERTIES, MAILBOX_PROPERTIES);

    const counted = properties.some((property) => (COUNT_PROPERTIES as readonly string[]).includes(property));

    return this.getAnswer(accountId, ids, properties, async (manager) => {
      const rows: MailboxRow[] = await manager.query(
        counted ? MAILBOXES_WITH_COUNTS : MAILBOXES_WITHOUT_COUNTS,
        [accountId, ids],
      );
      if (ids === null && rows.length > DEFAULT_CORE_LIMITS.maxObjectsInGet) {
        throw new MethodError(
          'requestTooLarge',
          `more than ${DEFAULT_CORE_LIMITS.maxObjectsInGet} mailboxes; ask for ids`,
        );
      }
      return rows.map(mailboxObject);
    });
  }

  /** In a tree, a mailbox's place depends on its ancestors': everything below a changed one changes too. */
  protected async matchingIds(
    manager: EntityManager,
    accountId: string,
    query: MailboxQuery,
    changed?: Set<string>,
  ): Promise<string[]> {
    const nodes = await loadMailboxNodes(manager, accountId);
    if (changed && (query.sortAsTree || query.filterAsTree)) {
      for (const id of [...changed]) for (const below of descendantsOf(nodes, id)) changed.add(below);
    }
    return queryMailboxes(nodes, query);
  }
}

type MailboxQuery = ReturnType<typeof queryOptions>;

function queryOptions(args: Record<string, unknown>) {
  return {
    filter: args['filter'],
    sort: args['sort'],
    sortAsTree: optionalBoolean(args, 'sortAsTree', false),
    filterAsTree: optionalBoolean(args, 'filterAsTree', false),
  };
}

function mailboxObject(row: MailboxRow) {
  return {
    id: row.id,
    name: row.name,
    parentId: row.parent_id,
    role: row.role,
    sortOrder: row.sort_order,
    totalEmails: row.total_emails,
    unreadEmails: row.unread_emails,
    totalThreads: row.total_threads,
    unreadThreads: row.unread_threads,
    myRights: { ...(row.role === null ? OWNER_RIGHTS : ROLE_RIGHTS) },
    isSubscribed: row.is_subscribed,
  };
}
