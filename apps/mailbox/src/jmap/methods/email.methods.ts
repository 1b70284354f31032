import { Injectable, Inject } from '@nestjs/common';
import { DEFAULT_CORE_LIMITS, isObject, type MethodContext, MethodError } from '@pushmail/jmap';
import { DataSource } from 'typeorm';
import { ChangesService } from '../../changes/changes.service.js';
import { isJmapId } from '../../ids/random-id.js';
import type { AttachmentInfo, EmailAddressValue } from '../../mime/parse-message.js';
import {
  idsArgument,
  invalidArguments,
  optionalBoolean,
  optionalInt,
  optionalString,
  optionalUnsignedInt,
  propertiesArgument,
  requireAccountId,
} from './arguments.js';
import { answerChanges } from './changes-method.js';
import {
  BODY_PART_PROPERTIES,
  BODY_PROPERTIES_NEEDING_CONTENT,
  DEFAULT_BODY_PART_PROPERTIES,
  DEFAULT_EMAIL_PROPERTIES,
  EMAIL_PROPERTIES,
  emailView,
  type StoredEmail,
} from './email-view.js';
import { readSnapshot } from './read-snapshot.js';

export const DEFAULT_QUERY_LIMIT = 50;
export const MAX_QUERY_LIMIT = 500;

interface EmailRow {
  id: string;
  thread_id: string;
  mailbox_ids: Record<string, boolean>;
  keywords: Record<string, boolean>;
  size: number;
  received_at: Date;
  subject: string | null;
  from: EmailAddressValue[] | null;
  to: EmailAddressValue[] | null;
  cc: EmailAddressValue[] | null;
  reply_to: EmailAddressValue[] | null;
  message_id: string | null;
  in_reply_to: string[] | null;
  references: string[] | null;
  sent_at: Date | null;
  preview: string;
  text_body: string | null;
  html_body: string | null;
  has_attachment: boolean;
  attachments: AttachmentInfo[];
}

/** Email/get, Email/query and Email/changes (RFC 8621 §4), always within the caller's account. */
@Injectable()
export class EmailMethods {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ChangesService) private readonly changes: ChangesService,
  ) {}

  async get(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const { accountId } = context;
    requireAccountId(args);
    const ids = idsArgument(args, DEFAULT_CORE_LIMITS.maxObjectsInGet, true)!;
    const properties = propertiesArgument(args, 'properties', EMAIL_PROPERTIES, DEFAULT_EMAIL_PROPERTIES);
    const options = {
      properties,
      bodyProperties: propertiesArgument(
        args,
        'bodyProperties',
        BODY_PART_PROPERTIES,
        DEFAULT_BODY_PART_PROPERTIES,
      ),
      fetchTextBodyValues: optionalBoolean(args, 'fetchTextBodyValues', false),
      fetchHTMLBodyValues: optionalBoolean(args, 'fetchHTMLBodyValues', false),
      fetchAllBodyValues: optionalBoolean(args, 'fetchAllBodyValues', false),
      maxBodyValueBytes: optionalUnsignedInt(args, 'maxBodyValueBytes') ?? 0,
    };
    const needsBodies = properties.some((property) => BODY_PROPERTIES_NEEDING_CONTENT.includes(property));
    const lookup = ids.filter(isJmapId);

    return readSnapshot(this.dataSource, async (manager) => {
      const states = await this.changes.readStates(accountId, manager);
      const rows: EmailRow[] =
        lookup.length === 0
          ? []
          : await manager.query(
              `SELECT id, thread_id, mailbox_ids, keywords, size, received_at, subject, "from", "to", cc, reply_to,
                      message_id, in_reply_to, "references", sent_at, preview, has_attachment, attachments,
                      ${needsBodies ? 'text_body, html_body' : 'NULL AS text_body, NULL AS html_body'}
                 FROM mailbox.emails
                WHERE account_id = $1 AND id = ANY($2::text[])`,
              [accountId, lookup],
            );
      const found = new Map(rows.map((row) => [row.id, storedEmail(row)]));
      return {
        accountId,
        state: String(states.modseq),
        list: ids.filter((id) => found.has(id)).map((id) => emailView(found.get(id)!, options)),
        notFound: ids.filter((id) => !found.has(id)),
      };
    });
  }

  async query(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const { accountId } = context;
    requireAccountId(args);
    const filter = queryFilter(args['filter']);
    const ascending = sortIsAscending(args['sort']);
    const requestedLimit = optionalUnsignedInt(args, 'limit');
    const limit = Math.min(requestedLimit ?? DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT);
    const position = optionalInt(args, 'position') ?? 0;
    const anchor = optionalString(args, 'anchor');
    const anchorOffset = optionalInt(args, 'anchorOffset') ?? 0;
    const calculateTotal = optionalBoolean(args, 'calculateTotal', false);
    const collapseThreads = optionalBoolean(args, 'collapseThreads', false);

    const params: unknown[] = [accountId];
    let where = 'account_id = $1';
    if (filter.inMailbox !== undefined) {
      params.push(JSON.stringify({ [filter.inMailbox]: true }));
      where += ` AND mailbox_ids @> $${params.length}::jsonb`;
    }
    const direction = ascending ? 'ASC' : 'DESC';
    // With collapseThreads, each thread shows as its first email in the requested order.
    const visible = collapseThreads
      ? `SELECT DISTINCT ON (thread_id) id, received_at FROM mailbox.emails WHERE ${where}
          ORDER BY thread_id, received_at ${direction}, id ${direction}`
      : `SELECT id, received_at FROM mailbox.emails WHERE ${where}`;

    return readSnapshot(this.dataSource, async (manager) => {
      const states = await this.changes.readStates(accountId, manager);
      let total: number | undefined;
      const countTotal = async (): Promise<number> => {
        total ??= (
          (await manager.query(
            `SELECT count(*)::int AS total FROM (${visible}) AS visible`,
            params,
          )) as Array<{
            total: number;
          }>
        )[0]!.total;
        return total;
      };

      let start: number;
      if (anchor !== undefined) {
        const before = ascending ? '<' : '>';
        const found: Array<{ index: number }> = await manager.query(
          `WITH visible AS (${visible})
           SELECT (SELECT count(*)::int FROM visible AS other
                    WHERE (other.received_at, other.id) ${before} (target.received_at, target.id)) AS index
             FROM visible AS target
            WHERE target.id = $${params.length + 1}`,
          [...params, anchor],
        );
        if (found.length === 0) throw new MethodError('anchorNotFound', 'the anchor is not in the results');
        start = Math.max(0, found[0]!.index + anchorOffset);
      } else if (position < 0) {
        start = Math.max(0, (await countTotal()) + position);
      } else {
        start = position;
      }

      const rows: Array<{ id: string }> = await manager.query(
        `WITH visible AS (${visible})
         SELECT id FROM visible ORDER BY received_at ${direction}, id ${direction}
         OFFSET $${params.length + 1} LIMIT $${params.length + 2}`,
        [...params, start, limit],
      );
      if (calculateTotal) await countTotal();
      return {
        accountId,
        queryState: String(states.modseq),
        canCalculateChanges: false,
        position: start,
        ids: rows.map((row) => row.id),
        ...(calculateTotal ? { total } : {}),
        ...(requestedLimit === undefined || requestedLimit > MAX_QUERY_LIMIT ? { limit } : {}),
      };
    });
  }

  changesSince(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    return answerChanges(this.dataSource, this.changes, 'Email', args, context.accountId);
  }
}

function storedEmail(row: EmailRow): StoredEmail {
  return {
    id: row.id,
    threadId: row.thread_id,
    mailboxIds: row.mailbox_ids,
    keywords: row.keywords,
    size: row.size,
    receivedAt: row.received_at,
    subject: row.subject,
    from: row.from,
    to: row.to,
    cc: row.cc,
    replyTo: row.reply_to,
    messageId: row.message_id,
    inReplyTo: row.in_reply_to,
    references: row.references,
    sentAt: row.sent_at,
    preview: row.preview,
    textBody: row.text_body,
    htmlBody: row.html_body,
    hasAttachment: row.has_attachment,
    attachments: row.attachments,
  };
}

/** The one condition supported so far: `inMailbox`. Anything else is unsupportedFilter. */
function queryFilter(filter: unknown): { inMailbox?: string } {
  if (filter === undefined || filter === null) return {};
  if (!isObject(filter)) throw invalidArguments('"filter" must be null or an object');
  if ('operator' in filter)
    throw new MethodError('unsupportedFilter', 'filter operators are not supported yet');
  const unsupported = Object.keys(filter).filter((key) => key !== 'inMailbox');
  if (unsupported.length > 0)
    throw new MethodError('unsupportedFilter', `unsupported conditions: ${unsupported.join(', ')}`);
  const inMailbox = filter['inMailbox'];
  if (inMailbox === undefined) return {};
  if (typeof inMailbox !== 'string') throw invalidArguments('"inMailbox" must be a mailbox id');
  return { inMailbox };
}

/** Only receivedAt can be sorted on; newest first when no sort is given. */
function sortIsAscending(sort: unknown): boolean {
  if (sort === undefined || sort === null) return false;
  if (!Array.isArray(sort)) throw invalidArguments('"sort" must be null or an array of comparators');
  if (sort.length === 0) return false;
  for (const comparator of sort) {
    if (!isObject(comparator) || typeof comparator['property'] !== 'string') {
      throw invalidArguments('each comparator needs a "property"');
    }
    if (comparator['property'] !== 'receivedAt') {
      throw new MethodError('unsupportedSort', `cannot sort on ${comparator['property'].slice(0, 64)}`);
    }
    if (comparator['isAscending'] !== undefined && typeof comparator['isAscending'] !== 'boolean') {
      throw invalidArguments('"isAscending" must be a boolean');
    }
  }
  return (sort[0] as { isAscending?: boolean }).isAscending ?? true;
}
