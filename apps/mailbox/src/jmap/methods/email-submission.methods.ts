import { Injectable } from '@nestjs/common';
import { DEFAULT_CORE_LIMITS, MethodError, type MethodContext } from '@pushmail/jmap';
import type { EntityManager } from 'typeorm';
import {
  SUBMISSION_COLUMNS,
  SUBMISSION_PROPERTIES,
  type SubmissionRow,
  submissionOf,
} from '../../submissions/submission.js';
import { idsArgument, propertiesArgument } from './arguments.js';
import { ListedQueryMethods } from './type-methods.js';

/** The most submissions a query considers; older ones are reached by filtering on time. */
const MAX_QUERY_RESULTS = 10_000;

interface SubmissionQuery {
  where: string[];
  params: unknown[];
  orderBy: string;
}

/**
 * EmailSubmission/get, changes, query and queryChanges (RFC 8621 §7.1–7.4). `set` is the
 * submit-emails use case.
 */
@Injectable()
export class EmailSubmissionMethods extends ListedQueryMethods<SubmissionQuery> {
  protected readonly type = 'EmailSubmission';
  protected readonly queryOf = submissionQuery;

  async get(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const { accountId } = context;
    const ids = idsArgument(args, DEFAULT_CORE_LIMITS.maxObjectsInGet, false);
    const properties = propertiesArgument(args, 'properties', SUBMISSION_PROPERTIES, SUBMISSION_PROPERTIES);
    return this.getAnswer(accountId, ids, properties, async (manager) => {
      const rows: SubmissionRow[] = await manager.query(
        `SELECT ${SUBMISSION_COLUMNS} FROM mailbox.email_submissions
          WHERE account_id = $1 AND ($2::text[] IS NULL OR id = ANY($2::text[]))
          ORDER BY send_at, id
          LIMIT $3`,
        [accountId, ids, DEFAULT_CORE_LIMITS.maxObjectsInGet],
      );
      return rows.map(submissionOf);
    });
  }

  /** A submission's place depends on nothing but itself. */
  protected async matchingIds(
    manager: EntityManager,
    accountId: string,
    query: SubmissionQuery,
  ): Promise<string[]> {
    const rows: Array<{ id: string }> = await manager.query(
      `SELECT id FROM mailbox.email_submissions
        WHERE account_id = $1 ${query.where.map((condition) => `AND ${condition}`).join(' ')}
        ORDER BY ${query.orderBy}
        LIMIT ${MAX_QUERY_RESULTS}`,
      [accountId, ...query.params],
    );
    return rows.map((row) => row.id);
  }
}

const SORT_COLUMNS: Readonly<Record<string, string>> = {
  emailId: 'email_id',
  threadId: 'thread_id',
  sentAt: 'send_at',
};

/** The filter (RFC 8621 §7.3: identityIds, emailIds, threadIds, undoStatus, before, after) and sort. */
function submissionQuery(args: Record<string, unknown>): SubmissionQuery {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length + 1}`;
  };
  const filter = args['filter'];
  if (filter !== undefined && filter !== null) {
    if (typeof filter !== 'object' || Array.isArray(filter))
      throw new MethodError('unsupportedFilter', 'the filter must be a FilterCondition object');
    for (const [key, value] of Object.entries(filter as Record<string, unknown>)) {
      const list = () => {
        if (!Array.isArray(value) || !value.every((item) => typeof item === 'string') || value.length > 1000)
          throw new MethodError('unsupportedFilter', `"${key.slice(0, 64)}" must be a list of ids`);
        return value;
      };
      const time = () => {
        if (typeof value !== 'string' || Number.isNaN(Date.parse(value)))
          throw new MethodError('unsupportedFilter', `"${key}" must be a UTCDate`);
        return value;
      };
      switch (key) {
        case 'identityIds':
          where.push(`identity_id = ANY(${param(list())}::text[])`);
          break;
        case 'emailIds':
          where.push(`email_id = ANY(${param(list())}::text[])`);
          break;
        case 'threadIds':
          where.push(`thread_id = ANY(${param(list())}::text[])`);
          break;
        case 'undoStatus':
          if (value !== 'pending' && value !== 'final' && value !== 'canceled')
            throw new MethodError('unsupportedFilter', '"undoStatus" must be pending, final or canceled');
          where.push(`undo_status = ${param(value)}`);
          break;
        case 'before':
          where.push(`send_at < ${param(time())}::timestamptz`);
          break;
        case 'after':
          where.push(`send_at >= ${param(time())}::timestamptz`);
          break;
        default:
          throw new MethodError('unsupportedFilter', `unknown filter property "${key.slice(0, 64)}"`);
      }
    }
  }
  const sort = args['sort'];
  const order: string[] = [];
  if (sort !== undefined && sort !== null) {
    if (!Array.isArray(sort) || sort.length > 3)
      throw new MethodError('unsupportedSort', '"sort" must be a list');
    for (const comparator of sort) {
      const { property, isAscending } = (comparator ?? {}) as Record<string, unknown>;
      const column = typeof property === 'string' ? SORT_COLUMNS[property] : undefined;
      if (!column) throw new MethodError('unsupportedSort', 'sort by emailId, threadId or sentAt');
      order.push(`${column} ${isAscending === false ? 'DESC' : 'ASC'}`);
    }
  }
  order.push('send_at ASC', 'id ASC');
  return { where, params, orderBy: order.join(', ') };
}
