import { Injectable, Inject } from '@nestjs/common';
import { DEFAULT_CORE_LIMITS, type MethodContext } from '@pushmail/jmap';
import { DataSource } from 'typeorm';
import { ChangesService } from '../../changes/changes.service.js';
import { idsArgument, propertiesArgument, requireAccountId } from './arguments.js';
import { answerChanges } from './changes-method.js';
import { readSnapshot } from './read-snapshot.js';

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

/** The owner of an account may do everything with its mailboxes. */
const OWNER_RIGHTS = {
  mayReadItems: true,
  mayAddItems: true,
  mayRemoveItems: true,
  maySetSeen: true,
  maySetKeywords: true,
  mayCreateChild: true,
  mayRename: true,
  mayDelete: true,
  maySubmit: true,
};

interface MailboxRow {
  id: string;
  name: string;
  parent_id: string | null;
  role: string | null;
  sort_order: number;
  total_emails: number;
  unread_emails: number;
  total_threads: number;
  unread_threads: number;
}

/** Mailbox/get and Mailbox/changes (RFC 8621 §2). */
@Injectable()
export class MailboxMethods {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ChangesService) private readonly changes: ChangesService,
  ) {}

  async get(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const { accountId } = context;
    requireAccountId(args);
    const ids = idsArgument(args, DEFAULT_CORE_LIMITS.maxObjectsInGet, false);
    const properties = propertiesArgument(args, 'properties', MAILBOX_PROPERTIES, MAILBOX_PROPERTIES);

    return readSnapshot(this.dataSource, async (manager) => {
      const states = await this.changes.readStates(accountId, manager);
      const rows: MailboxRow[] = await manager.query(
        `SELECT mailbox.id, mailbox.name, mailbox.parent_id, mailbox.role, mailbox.sort_order,
                count(email.id)::int AS total_emails,
                count(email.id) FILTER (WHERE NOT email.keywords ? '$seen')::int AS unread_emails,
                count(DISTINCT email.thread_id)::int AS total_threads,
                count(DISTINCT email.thread_id) FILTER (WHERE NOT email.keywords ? '$seen')::int AS unread_threads
           FROM mailbox.mailboxes AS mailbox
           LEFT JOIN mailbox.emails AS email
             ON email.account_id = mailbox.account_id AND email.mailbox_ids @> jsonb_build_object(mailbox.id, true)
          WHERE mailbox.account_id = $1 AND ($2::text[] IS NULL OR mailbox.id = ANY($2::text[]))
          GROUP BY mailbox.id
          ORDER BY mailbox.sort_order, mailbox.name`,
        [accountId, ids],
      );
      const found = new Set(rows.map((row) => row.id));
      return {
        accountId,
        state: String(states.modseq),
        list: rows.map((row) => pick(mailboxObject(row), properties)),
        notFound: ids === null ? [] : ids.filter((id) => !found.has(id)),
      };
    });
  }

  changesSince(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    return answerChanges(this.dataSource, this.changes, 'Mailbox', args, context.accountId);
  }
}

function mailboxObject(row: MailboxRow): Record<string, unknown> {
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
    myRights: { ...OWNER_RIGHTS },
    isSubscribed: true,
  };
}

function pick(object: Record<string, unknown>, properties: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = { id: object['id'] };
  for (const property of properties) picked[property] = object[property];
  return picked;
}
