import { Injectable, Inject } from '@nestjs/common';
import { DEFAULT_CORE_LIMITS, type MethodContext } from '@pushmail/jmap';
import { DataSource } from 'typeorm';
import { ChangesService } from '../../changes/changes.service.js';
import { isJmapId } from '../../ids/random-id.js';
import { idsArgument, propertiesArgument, requireAccountId } from './arguments.js';
import { answerChanges } from './changes-method.js';
import { resolveCreationId } from './email.methods.js';
import { readSnapshot } from './read-snapshot.js';

const THREAD_PROPERTIES = ['id', 'emailIds'] as const;

/** Thread/get and Thread/changes (RFC 8621 §3): a thread is its emails, oldest first. */
@Injectable()
export class ThreadMethods {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ChangesService) private readonly changes: ChangesService,
  ) {}

  async get(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const { accountId } = context;
    requireAccountId(args);
    const ids = idsArgument(args, DEFAULT_CORE_LIMITS.maxObjectsInGet, true)!.map((id) =>
      resolveCreationId(id, context),
    );
    const properties = propertiesArgument(args, 'properties', THREAD_PROPERTIES, THREAD_PROPERTIES);
    const lookup = ids.filter(isJmapId);

    return readSnapshot(this.dataSource, async (manager) => {
      const states = await this.changes.readStates(accountId, manager);
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
        list: ids
          .filter((id) => found.has(id))
          .map((id) => (properties.includes('emailIds') ? { id, emailIds: found.get(id) } : { id })),
        notFound: ids.filter((id) => !found.has(id)),
      };
    });
  }

  changesSince(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    return answerChanges(this.dataSource, this.changes, 'Thread', args, context.accountId);
  }
}
