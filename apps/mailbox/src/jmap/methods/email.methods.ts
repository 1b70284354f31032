import { Inject, Injectable } from '@nestjs/common';
import { DEFAULT_CORE_LIMITS, isObject, type MethodContext, MethodError } from '@pushmail/jmap';
import { type Compilable, sql } from 'kysely';
import { LOGGER } from '@pushmail/platform';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { BlobStore } from '../../blobs/blob-store.service.js';
import { ChangesService } from '../../changes/changes.service.js';
import { isJmapId } from '../../ids/random-id.js';
import { type Email, EMAIL_COLUMNS, type EmailColumns, emailFromRow } from '../../emails/email.js';
import {
  type BodyValue,
  type EmailBody,
  readEmailBody,
  type StoredBody,
  storedBodyOf,
  storedEmailBody,
  type StoredPart,
} from '../../mime/email-body.js';
import { parseMessage } from '../../mime/parse-message.js';
import { type EmailRow, mailboxDb, runQuery } from '../../store/query-builder.js';
import { storable } from '../../store/storable-text.js';
import { compileEmailFilter } from '../query/email-filter.js';
import { compileEmailSort, type KeyProperty } from '../query/email-sort.js';
import { SqlParams } from '../query/sql-params.js';
import {
  idsArgument,
  invalidArguments,
  optionalBoolean,
  optionalString,
  optionalUnsignedInt,
  requireString,
} from './arguments.js';
import {
  BODY_PART_PROPERTIES,
  DEFAULT_BODY_PART_PROPERTIES,
  DEFAULT_EMAIL_PROPERTIES,
  EMAIL_PROPERTIES,
  emailView,
  type EmailViewOptions,
  needsMessage,
  needsParts,
  propertiesWithHeaders,
} from './email-view.js';
import { queryChangesArguments, queryWindowArguments, sinceModseq } from './query-results.js';
import { listFound, TypeMethods } from './type-methods.js';
import { ViewBudget } from './view-budget.js';

export const DEFAULT_QUERY_LIMIT = 50;
export const MAX_QUERY_LIMIT = 500;
/** A queryChanges answer lists at most this many ids before the client is told to query again. */
const MAX_QUERY_CHANGES = 10_000;

/** Metadata a parsed message does not have: null when asked for. */
const NOT_IN_A_PARSED_MESSAGE = ['id', 'threadId', 'mailboxIds', 'keywords', 'receivedAt'];
/** RFC 8621 §4.9: by default Email/parse returns what the message itself says. */
const DEFAULT_PARSE_PROPERTIES = DEFAULT_EMAIL_PROPERTIES.filter(
  (property) => !['blobId', 'size', ...NOT_IN_A_PARSED_MESSAGE].includes(property),
);

/** A compiled Email/query: the SQL of the visible emails and how they are ordered. */
export interface CompiledQuery {
  params: unknown[];
  /** The emails in the results, as a subquery with the columns the order needs. */
  visible: string;
  /** How many results there are (`total`), from the parameters `params`. */
  count: string;
  /**
   * How the index of an anchor (the parameter after `params`) is found. `find` answers no row when
   * the anchor is not a result, and otherwise either its index (`idx`) or, when `count` is set, its
   * sort key (`key`, as text), which `count` takes after the anchor to count the results before it:
   * two statements, so the planner sees where the range read ends.
   */
  anchor: { find: string; count?: string };
  /** Every result with its index (`idx`, from 0), for the indexes of given ids. */
  ranked: string;
  /**
   * The indexes of given ids (an array, the parameter after `params`) without numbering every
   * result, where the order has a key: `find` answers those that are results with their key (`key`,
   * as text) in order, and `rank` numbers the results up to the last of them (its key and id the
   * two parameters after the ids), which an index in that order reads as a range.
   */
  indexesOf?: { find: string; rank: string };
  /**
   * The ids of the results from the offset to the limit (the two parameters after `params`), in
   * order: ORDER BY ... OFFSET ... LIMIT over the results themselves, which an index in that order
   * reads as a range, where numbering every result first (`ranked`) would read them all.
   */
  page: string;
  dependsOnThread: boolean;
}

/**
 * The read side of Email (RFC 8621 §4): get, query, queryChanges, changes, parse, and copy (which
 * needs a second account). Always within the caller's account.
 */
@Injectable()
export class EmailMethods extends TypeMethods {
  /** The fills of stored parts under way (see fillStoredBodies). */
  private readonly filling = new Set<Promise<void>>();

  protected readonly type = 'Email';

  constructor(
    @Inject(DataSource) dataSource: DataSource,
    @Inject(ChangesService) changes: ChangesService,
    @Inject(BlobStore) private readonly blobs: BlobStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super(dataSource, changes);
  }

  async get(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const { accountId } = context;
    const ids = idsArgument(args, DEFAULT_CORE_LIMITS.maxObjectsInGet, true)!.map((id) =>
      resolveCreationId(id, context),
    );
    const options = viewOptions(args, EMAIL_PROPERTIES, DEFAULT_EMAIL_PROPERTIES);
    const lookup = ids.filter(isJmapId);

    const fills: BodyToFill[] = [];
    const answer = await this.withStates(accountId, async (manager, states) => {
      const rows =
        lookup.length === 0
          ? []
          : await runQuery(manager, emailsById(accountId, lookup, options.properties.includes('bodyValues')));
      // Views are built one message at a time and counted against what the response may still
      // hold: memory holds one message's parts and the views so far, never more than the budget.
      const budget = new ViewBudget(context);
      const views = new Map<string, Record<string, unknown>>();
      for (const row of rows) {
        const body = await this.bodyOf(manager, accountId, row, options, fills);
        views.set(row.id, budget.charge(emailView(emailFromRow(row), options, body)));
      }
      return {
        accountId,
        state: String(states.emailModseq),
        ...listFound(ids, views, (view) => view),
      };
    });
    this.fillStoredBodies(accountId, fills);
    return answer;
  }

  async query(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const { accountId } = context;
    const query = compileQuery(args, accountId);
    const {
      limit: requestedLimit,
      position,
      anchor,
      anchorOffset,
      calculateTotal,
    } = queryWindowArguments(args);
    const limit = Math.min(requestedLimit ?? DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT);

    return this.withStates(accountId, async (manager, states) => {
      let total: number | undefined;
      const countTotal = async (): Promise<number> => {
        total ??= await countVisible(manager, query);
        return total;
      };

      let start: number;
      if (anchor !== undefined) {
        const found: Array<{ idx?: number; key?: string }> = await manager.query(query.anchor.find, [
          ...query.params,
          anchor,
        ]);
        if (found.length === 0) throw new MethodError('anchorNotFound', 'the anchor is not in the results');
        let index = found[0]!.idx!;
        if (query.anchor.count !== undefined) {
          const counted: Array<{ idx: number }> = await manager.query(query.anchor.count, [
            ...query.params,
            anchor,
            found[0]!.key,
          ]);
          index = counted[0]!.idx;
        }
        start = Math.max(0, index + anchorOffset);
      } else if (position < 0) {
        start = Math.max(0, (await countTotal()) + position);
      } else {
        start = position;
      }

      const rows: Array<{ id: string }> = await manager.query(query.page, [...query.params, start, limit]);
      if (calculateTotal) await countTotal();
      return {
        accountId,
        queryState: String(states.emailModseq),
        canCalculateChanges: true,
        position: start,
        ids: rows.map((row) => row.id),
        ...(calculateTotal ? { total } : {}),
        ...(requestedLimit === undefined || requestedLimit > MAX_QUERY_LIMIT ? { limit } : {}),
      };
    });
  }

  /**
   * Email/queryChanges (RFC 8620 §5.6). Every email changed since the old state is reported removed,
   * and added again at its index if it is in the results now; with collapsed threads or thread-wide
   * conditions, so is every email of a thread that changed. Applying that to the old results gives
   * the new ones exactly.
   */
  async queryChanges(
    args: Record<string, unknown>,
    context: MethodContext,
  ): Promise<Record<string, unknown>> {
    const { accountId } = context;
    const { sinceQueryState, maxChanges, calculateTotal } = queryChangesArguments(args);
    optionalString(args, 'upToId');
    const query = compileQuery(args, accountId);
    const expandThreads = optionalBoolean(args, 'collapseThreads', false) || query.dependsOnThread;
    const cap = Math.min(maxChanges ?? MAX_QUERY_CHANGES, MAX_QUERY_CHANGES);

    return this.withStates(accountId, async (manager, states) => {
      const since = sinceModseq(sinceQueryState, states);
      const changed = new Set(
        await this.changes.changedIds(manager, accountId, 'Email', since, states.modseq, cap + 1),
      );
      if (expandThreads && changed.size > 0) {
        for (const id of await this.threadMatesOf(manager, accountId, [...changed], since, states.modseq)) {
          changed.add(id);
        }
      }
      const removed = [...changed].sort();
      const added = removed.length === 0 ? [] : await indexesOf(manager, query, removed);
      if (removed.length + added.length > cap) {
        if (maxChanges !== undefined) {
          throw new MethodError('tooManyChanges', `more than ${maxChanges} changes; query again`);
        }
        throw new MethodError('cannotCalculateChanges', 'too much changed since that state; query again');
      }
      let total: number | undefined;
      if (calculateTotal) {
        total = await countVisible(manager, query);
      }
      return {
        accountId,
        oldQueryState: sinceQueryState,
        newQueryState: String(states.emailModseq),
        ...(calculateTotal ? { total } : {}),
        removed,
        added,
      };
    });
  }

  /** Email/parse (RFC 8621 §4.9): blobs read as messages, without storing them. */
  async parse(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const { accountId } = context;
    const blobIds = idsArgument({ ids: args['blobIds'] }, DEFAULT_CORE_LIMITS.maxObjectsInGet, true)!;
    const options = viewOptions(args, EMAIL_PROPERTIES, [...DEFAULT_PARSE_PROPERTIES, 'blobId', 'size']);
    const { properties } = options;
    const parsed: Record<string, Record<string, unknown>> = {};
    const notParsable: string[] = [];
    const notFound: string[] = [];
    const budget = new ViewBudget(context);
    for (const blobId of blobIds) {
      const blob = await this.blobs.get(accountId, blobId);
      if (!blob) {
        notFound.push(blobId);
        continue;
      }
      const message = await parseMessage(blob.data);
      if (message.parseError !== null && message.from === null && message.subject === null) {
        notParsable.push(blobId);
        continue;
      }
      // What the store would keep of the message (emailInsert makes every string storable the same
      // way), so Email/parse answers what Email/get answers once the message is stored.
      const email: Email = storable({
        id: '',
        blobId,
        threadId: '',
        mailboxIds: {},
        keywords: {},
        size: blob.size,
        receivedAt: new Date(0),
        ...message,
      });
      const needsBody =
        needsParts(options) || options.headerProperties.length > 0 || properties.includes('headers');
      const view = budget.charge(emailView(email, options, needsBody ? readEmailBody(blob.data) : undefined));
      delete view['id'];
      for (const property of NOT_IN_A_PARSED_MESSAGE)
        if (properties.includes(property)) view[property] = null;
      parsed[blobId] = view;
    }
    return { accountId, parsed, notParsable, notFound };
  }

  /**
   * Email/copy copies between two accounts (RFC 8620 §5.4: the accounts must differ). A device's
   * credentials reach one account only, so there is never a second account to copy from.
   */
  async copy(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const fromAccountId = requireString(args, 'fromAccountId');
    if (!isObject(args['create'])) throw invalidArguments('"create" must map creation ids to Email copies');
    if (fromAccountId === context.accountId) {
      throw invalidArguments(
        '"fromAccountId" must differ from "accountId": Email/copy copies between accounts',
      );
    }
    throw new MethodError('fromAccountNotFound', 'these credentials reach no other account to copy from');
  }

  /**
   * What the view of one email reads its body properties from: the parts stored with it, or the
   * message itself when a property needs what is not stored (header fields, the text of other parts)
   * or the row was stored before the parts were (then they are kept, see fillStoredBodies).
   */
  private async bodyOf(
    manager: EntityManager,
    accountId: string,
    row: EmailBodyColumns,
    options: EmailViewOptions,
    fills: BodyToFill[],
  ): Promise<EmailBody | undefined> {
    const needsHeaders = options.headerProperties.length > 0 || options.properties.includes('headers');
    if (!needsHeaders && !needsParts(options)) return undefined;
    if (row.body_structure !== null) {
      const stored = storedEmailBody(
        row.body_structure as unknown as StoredPart,
        row.body_values as unknown as Record<string, BodyValue> | null,
      );
      if (!needsMessage(options, stored)) return stored;
    }
    const body = await this.readMessage(manager, accountId, row.blob_id);
    if (body && row.body_structure === null) fills.push({ emailId: row.id, body: storedBodyOf(body) });
    return body;
  }

  /**
   * Keeps the parts of emails stored before parts were kept (ADR 0052), once their message has been
   * read: later reads of them read rows only. Not awaited, in a transaction of its own after the
   * answer is built: a read's snapshot is read-only and may hold its connection until the request
   * ends. An email's message never changes, so two requests filling the same row write the same.
   */
  private fillStoredBodies(accountId: string, fills: BodyToFill[]): void {
    if (fills.length === 0) return;
    const filling = this.dataSource
      .transaction(async (manager) => {
        // Without the account's lock (it changes nothing a device sees), so in id order, as
        // lockEmails locks them: the two never wait for each other in a cycle.
        const ordered = [...fills].sort((a, b) =>
          a.emailId < b.emailId ? -1 : a.emailId > b.emailId ? 1 : 0,
        );
        for (const fill of ordered) {
          await runQuery(
            manager,
            mailboxDb
              .updateTable('mailbox.emails')
              .set({
                body_structure: JSON.stringify(storable(fill.body.structure)),
                body_values: JSON.stringify(fill.body.values),
              })
              .where('account_id', '=', accountId)
              .where('id', '=', fill.emailId)
              .where('body_structure', 'is', null),
          );
        }
      })
      .catch((error: unknown) => {
        this.logger.warn(
          { err: error, accountId },
          'the parts of emails read from their messages were not kept',
        );
      })
      .finally(() => this.filling.delete(filling));
    this.filling.add(filling);
  }

  /** Lets the fills under way finish before the database goes. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.filling);
  }

  /**
   * The message of this blob, header fields and MIME structure read: only for what the stored parts
   * do not hold (see bodyOf), so no parsed message is kept between requests.
   */
  private async readMessage(
    manager: EntityManager,
    accountId: string,
    blobId: string,
  ): Promise<EmailBody | undefined> {
    const rows: Array<{ data: Buffer }> = await manager.query(
      'SELECT data FROM mailbox.blobs WHERE account_id = $1 AND id = $2',
      [accountId, blobId],
    );
    return rows[0] ? readEmailBody(rows[0].data) : undefined;
  }

  /** The ids of every email in the threads of `emailIds`, and in threads that changed in the range. */
  private async threadMatesOf(
    manager: EntityManager,
    accountId: string,
    emailIds: string[],
    since: number,
    upTo: number,
  ): Promise<string[]> {
    const changedThreads = await this.changes.changedIds(
      manager,
      accountId,
      'Thread',
      since,
      upTo,
      MAX_QUERY_CHANGES,
    );
    const rows: Array<{ id: string }> = await manager.query(
      `SELECT id FROM mailbox.emails
        WHERE account_id = $1
          AND thread_id IN (
            SELECT thread_id FROM mailbox.emails WHERE account_id = $1 AND id = ANY($2::text[])
            UNION SELECT unnest($3::text[]))
        LIMIT ${MAX_QUERY_CHANGES + 1}`,
      [accountId, emailIds, changedThreads],
    );
    return rows.map((row) => row.id);
  }
}

/**
 * Where the results carry an order's key (`column` of `visible`), and what the key of an email is,
 * read from its row of emails: email_mailboxes holds a missing sentAt as -infinity (ADR 0095).
 */
const KEY_COLUMNS: Record<KeyProperty, { column: string; ofEmail: (alias: string) => string; type: string }> =
  {
    receivedAt: { column: 'received_at', ofEmail: (alias) => `${alias}.received_at`, type: 'timestamptz' },
    sentAt: {
      column: 'sent_at',
      ofEmail: (alias) => `coalesce(${alias}.sent_at, '-infinity')`,
      type: 'timestamptz',
    },
    from: { column: 'sort_from', ofEmail: (alias) => `${alias}.sort_from`, type: 'text' },
    subject: { column: 'sort_subject', ofEmail: (alias) => `${alias}.sort_subject`, type: 'text' },
  };

/** Email/query's SQL for these arguments: `$1` is the account, the filter's values follow. */
export function compileQuery(args: Record<string, unknown>, accountId: string): CompiledQuery {
  const params = new SqlParams(1);
  const filter = compileEmailFilter(args['filter'], params, { membership: true });
  const order = compileEmailSort(args['sort'], params);
  const collapseThreads = optionalBoolean(args, 'collapseThreads', false);
  const columns = (id: string, receivedAt: string) =>
    `${id}, e.thread_id, ${receivedAt}, e.size, e.sort_subject, e.sort_from, e.sort_to, e.sent_at, e.keywords`;
  let visible: string;
  /** How many results there are, when counting `visible` would read more than it needs. */
  let count: string | undefined;
  /** The order's key, when `visible` has it as a column of that name that never holds NULL. */
  let keyed: KeyProperty | undefined = order.byReceivedAt ? 'receivedAt' : undefined;
  if (filter.inMailbox === undefined) {
    const where = `e.account_id = $1 AND ${filter.where}`;
    // With collapseThreads, each thread shows as its first email in the requested order.
    visible = collapseThreads
      ? `SELECT DISTINCT ON (e.thread_id) ${columns('e.id', 'e.received_at')} FROM mailbox.emails AS e
          WHERE ${where} ORDER BY e.thread_id, ${order.orderBy('e')}`
      : `SELECT ${columns('e.id', 'e.received_at')} FROM mailbox.emails AS e WHERE ${where}`;
  } else if (!filter.readsEmails && order.byReceivedAt && !collapseThreads) {
    // One mailbox newest (or oldest) first and nothing else asked of the emails: its rows of
    // email_mailboxes (ADR 0053) are the results, and a page is a range of their index.
    visible = `SELECT m.email_id AS id, m.received_at FROM mailbox.email_mailboxes AS m
      WHERE m.account_id = $1 AND ${filter.where}`;
  } else if (collapseThreads && order.byReceivedAt) {
    // Each thread's first result in the mailbox's order (ADR 0056): walked in that order, an email
    // is kept when no email of its thread before it is a result, which the thread index of
    // email_mailboxes answers in a probe. The probe is a scalar subquery so that PostgreSQL runs it
    // per row as the walk goes, and never as an anti-join that reads the whole mailbox first; in a
    // COALESCE, whose selectivity PostgreSQL takes as one half, where `IS NULL` would be taken as
    // 1 in 200 and a page of 50 would seem to need a walk of 10,000, longer than a sort of a
    // mailbox under that size.
    const from = filter.readsEmails
      ? `mailbox.email_mailboxes AS m JOIN mailbox.emails AS e ON e.id = m.email_id`
      : `mailbox.email_mailboxes AS m`;
    const where = `m.account_id = $1 ${filter.readsEmails ? 'AND e.account_id = $1 ' : ''}AND ${filter.where}`;
    const earlier = order.oldestFirst ? '<' : '>';
    // The same filter over the thread's rows: `m` and `e` name the other email inside.
    const earlierResult = `SELECT false FROM ${from}
        WHERE ${where} AND m.thread_id = c.thread_id
          AND m.received_at ${earlier}= c.received_at
          AND (m.received_at ${earlier} c.received_at OR m.email_id < c.id)
        LIMIT 1`;
    visible = `SELECT c.id, c.received_at FROM (
        SELECT m.email_id AS id, m.received_at, m.thread_id FROM ${from} WHERE ${where}) AS c
      WHERE coalesce((${earlierResult}), true)`;
    // One result per thread: the threads among the results, read from the thread index in order.
    count = `SELECT count(DISTINCT m.thread_id)::int AS total FROM ${from} WHERE ${where}`;
  } else if (!collapseThreads && order.key !== undefined) {
    // One mailbox in the order of a key that email_mailboxes carries and indexes (ADR 0095): a page
    // is a range of that index, each row joined to its email only when the filter reads one.
    const column = KEY_COLUMNS[order.key.property].column;
    const where = `m.account_id = $1 AND ${filter.where}`;
    if (filter.readsEmails) {
      // Each email read by a probe of its key as the range goes (OFFSET 0 keeps the subquery
      // apart): joined, PostgreSQL hashes every email of the account for a range it overestimates
      // (600 rows where 113 were read). The total, which reads the whole mailbox, keeps the join.
      visible = `SELECT m.email_id AS id, m.${column} FROM mailbox.email_mailboxes AS m
        CROSS JOIN LATERAL (
          SELECT * FROM mailbox.emails AS e WHERE e.account_id = $1 AND e.id = m.email_id OFFSET 0) AS e
        WHERE ${where}`;
      count = `SELECT count(*)::int AS total
        FROM mailbox.email_mailboxes AS m JOIN mailbox.emails AS e ON e.id = m.email_id
        WHERE e.account_id = $1 AND ${where}`;
    } else {
      visible = `SELECT m.email_id AS id, m.${column} FROM mailbox.email_mailboxes AS m WHERE ${where}`;
    }
    keyed = order.key.property;
  } else {
    // The mailbox's rows of email_mailboxes lead; the id and receivedAt come from them, so an
    // order by receivedAt is their index's order.
    const from = `mailbox.email_mailboxes AS m JOIN mailbox.emails AS e ON e.id = m.email_id`;
    const where = `m.account_id = $1 AND e.account_id = $1 AND ${filter.where}`;
    visible = collapseThreads
      ? `SELECT DISTINCT ON (e.thread_id) ${columns('m.email_id AS id', 'm.received_at')} FROM ${from}
          WHERE ${where} ORDER BY e.thread_id, ${order.orderBy('e')}`
      : `SELECT ${columns('m.email_id AS id', 'm.received_at')} FROM ${from} WHERE ${where}`;
  }
  // A filter of one mailbox and nothing else counts what Mailbox/get reports: its totals are kept as
  // its emails change (ADR 0102), one row read whatever the mailbox holds, where a count of the
  // results reads every one of them. Its mailbox must be the account's: another's counts as empty.
  if (filter.inMailbox !== undefined && isMailboxAlone(args['filter'])) {
    count = `SELECT coalesce((
        SELECT counts.${collapseThreads ? 'total_threads' : 'total_emails'}
          FROM mailbox.mailbox_counts AS counts
          JOIN mailbox.mailboxes AS mailbox ON mailbox.id = counts.mailbox_id
         WHERE mailbox.account_id = $1 AND counts.mailbox_id = ${filter.inMailbox}), 0)::int AS total`;
  }
  const next = params.values.length + 2;
  const ranked = `SELECT v.id, (row_number() OVER (ORDER BY ${order.orderBy('v')}) - 1)::int AS idx FROM (${visible}) AS v`;
  let anchor: CompiledQuery['anchor'] = { find: `SELECT idx FROM (${ranked}) AS ranked WHERE id = $${next}` };
  let indexesOf: CompiledQuery['indexesOf'];
  if (keyed !== undefined) {
    // The anchor is found by its key, read from its row, so the index in that order finds it in a
    // probe; its index is the count of the results before it, a range of the same index that ends
    // at the anchor, however many results follow it. The key travels as text, which keeps a
    // timestamp's microseconds.
    const { column, ofEmail, type } = KEY_COLUMNS[keyed];
    const earlier = order.key!.descending ? '>' : '<';
    /**
     * The results before (or at) the one of this key and id. Ascending by a key of ADR 0095, key
     * and id ascend together, and a row comparison is a range of the index that ends at the id: the
     * planner sees how few rows it reads, where a tie of many (emails without a Date, one sender's)
     * read whole made it join by hash. Descending, the id still ascends: the range ends after the
     * key's ties.
     */
    const before = (key: string, id: string, inclusive: boolean) =>
      keyed !== 'receivedAt' && !order.key!.descending
        ? `(v.${column}, v.id) <${inclusive ? '=' : ''} (${key}::${type}, ${id}::text)`
        : `v.${column} ${earlier}= ${key}::${type}
          AND (v.${column} ${earlier} ${key}::${type} OR v.id <${inclusive ? '=' : ''} ${id})`;
    anchor = {
      find: `SELECT v.${column}::text AS key FROM (${visible}) AS v
        WHERE v.id = $${next}
          AND v.${column} = (SELECT ${ofEmail('k')} FROM mailbox.emails AS k WHERE k.account_id = $1 AND k.id = $${next})`,
      count: `SELECT count(*)::int AS idx FROM (${visible}) AS v WHERE ${before(`$${next + 1}`, `$${next}`, false)}`,
    };
    indexesOf = {
      find: `SELECT v.id, v.${column}::text AS key
          FROM mailbox.emails AS k JOIN (${visible}) AS v ON v.id = k.id AND v.${column} = ${ofEmail('k')}
         WHERE k.account_id = $1 AND k.id = ANY($${next}::text[])
         ORDER BY ${order.orderBy('v')}`,
      rank: `SELECT id, idx FROM (
          SELECT v.id, (row_number() OVER (ORDER BY ${order.orderBy('v')}) - 1)::int AS idx FROM (${visible}) AS v
           WHERE ${before(`$${next + 1}`, `$${next + 2}`, true)}) AS ranked
         WHERE id = ANY($${next}::text[]) ORDER BY idx`,
    };
  }
  return {
    params: [accountId, ...params.values],
    visible,
    count: count ?? `SELECT count(*)::int AS total FROM (${visible}) AS v`,
    anchor,
    ranked,
    ...(indexesOf === undefined ? {} : { indexesOf }),
    page: `SELECT v.id FROM (${visible}) AS v ORDER BY ${order.orderBy('v')} OFFSET $${next} LIMIT $${next + 1}`,
    dependsOnThread: filter.dependsOnThread || order.dependsOnKeywords,
  };
}

/** A FilterCondition of `inMailbox` alone: its results are every email of that mailbox. */
function isMailboxAlone(filter: unknown): boolean {
  if (typeof filter !== 'object' || filter === null) return false;
  const keys = Object.keys(filter);
  return keys.length === 1 && keys[0] === 'inMailbox';
}

/** The ids among `ids` that are results, with their indexes, in order. */
async function indexesOf(
  manager: EntityManager,
  query: CompiledQuery,
  ids: string[],
): Promise<Array<{ id: string; index: number }>> {
  let ranked: Array<{ id: string; idx: number }>;
  if (query.indexesOf === undefined) {
    ranked = await manager.query(
      `SELECT id, idx FROM (${query.ranked}) AS ranked WHERE id = ANY($${query.params.length + 1}::text[]) ORDER BY idx`,
      [...query.params, ids],
    );
  } else {
    // Changes are mostly near the top (new mail, a message just read): the range ends at the last.
    const found: Array<{ id: string; key: string }> = await manager.query(query.indexesOf.find, [
      ...query.params,
      ids,
    ]);
    const last = found.at(-1);
    ranked =
      last === undefined
        ? []
        : await manager.query(query.indexesOf.rank, [
            ...query.params,
            found.map((row) => row.id),
            last.key,
            last.id,
          ]);
  }
  return ranked.map((row) => ({ id: row.id, index: row.idx }));
}

async function countVisible(manager: EntityManager, query: CompiledQuery): Promise<number> {
  const rows: Array<{ total: number }> = await manager.query(query.count, query.params);
  return rows[0]!.total;
}

function viewOptions(
  args: Record<string, unknown>,
  known: readonly string[],
  defaults: readonly string[],
): EmailViewOptions {
  const email = propertiesWithHeaders(args, 'properties', known, defaults);
  const body = propertiesWithHeaders(
    args,
    'bodyProperties',
    BODY_PART_PROPERTIES,
    DEFAULT_BODY_PART_PROPERTIES,
  );
  return {
    properties: email.properties,
    headerProperties: email.headers,
    bodyProperties: body.properties,
    bodyHeaderProperties: body.headers,
    fetchTextBodyValues: optionalBoolean(args, 'fetchTextBodyValues', false),
    fetchHTMLBodyValues: optionalBoolean(args, 'fetchHTMLBodyValues', false),
    fetchAllBodyValues: optionalBoolean(args, 'fetchAllBodyValues', false),
    maxBodyValueBytes: optionalUnsignedInt(args, 'maxBodyValueBytes') ?? 0,
  };
}

/** `#creationId` in an id argument names an object created earlier in the request (RFC 8620 §5.3). */
export function resolveCreationId(id: string, context: MethodContext): string {
  return id.startsWith('#') ? (context.createdIds.get(id.slice(1)) ?? id) : id;
}

/** The parts of an email that its stored row holds, and what it was stored with. */
type EmailBodyColumns = EmailColumns & Pick<EmailRow, 'body_structure' | 'body_values'>;

/** An email stored before its parts were, whose parts were read from its message. */
interface BodyToFill {
  emailId: string;
  body: StoredBody;
}

/**
 * The emails with their stored parts; the text of the bodies (`body_values`) only when asked for.
 * The text bodies kept for search are left out: the views read the parts' text (see StoredBody).
 */
function emailsById(accountId: string, ids: string[], withValues: boolean): Compilable<EmailBodyColumns> {
  const headers = EMAIL_COLUMNS.filter((column) => column !== 'text_body' && column !== 'html_body');
  return mailboxDb
    .selectFrom('mailbox.emails')
    .where('account_id', '=', accountId)
    .where('id', '=', sql<string>`ANY(${ids}::text[])`)
    .select(headers)
    .select('body_structure')
    .select(
      withValues
        ? sql<EmailRow['body_values']>`body_values`.as('body_values')
        : sql<null>`NULL`.as('body_values'),
    )
    .select([
      sql<null>`NULL`.as('text_body'),
      sql<null>`NULL`.as('html_body'),
    ]) as Compilable<EmailBodyColumns>;
}
