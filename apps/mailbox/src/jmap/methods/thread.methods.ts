import { Injectable } from '@nestjs/common';
import { DEFAULT_CORE_LIMITS, type MethodContext } from '@pushmail/jmap';
import { isJmapId } from '../../ids/random-id.js';
import { idsArgument, propertiesArgument } from './arguments.js';
import { resolveCreationId } from './email.methods.js';
import { listFound, TypeMethods } from './type-methods.js';

const THREAD_PROPERTIES = ['id', 'emailIds'] as const;

/** Thread/get and Thread/changes (RFC 8621 §3): a thread is its emails, oldest first. */
@Injectable()
export class ThreadMethods extends TypeMethods {
  protected readonly type = 'Thread';

  async get(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const { accountId } = context;
    const ids = idsArgument(args, DEFAULT_CORE_LIMITS.maxObjectsInGet, true)!.map((id) =>
      resolveCreationId(id, context),
    );
    const properties = propertiesArgument(args, 'properties', THREAD_PROPERTIES, THREAD_PROPERTIES);
    const lookup = ids.filter(isJmapId);

    return this.withStates(accountId, async (manager, states) => {
      const rows: Array<{ thread_id: string; email_ids: string[] }> =
        lookup.length === 0
          ? []
          : await manager.query(
              `SELECT thread_id, array_agg(id ORDER BY received_at, id) AS email_ids
                 FROM mailbox.emails
                WHERE account_id = $1 AND thread_id = ANY($2::text[])
                GROUP BY thread_id`,
              [accountId, lookup],
            );
      const found = new Map(rows.map((row) => [row.thread_id, row.email_ids]));
      return {
        accountId,
        state: String(states.threadModseq),
        ...listFound(ids, found, (emailIds, id) =>
          properties.includes('emailIds') ? { id, emailIds } : { id },
        ),
      };
    });
  }
}
