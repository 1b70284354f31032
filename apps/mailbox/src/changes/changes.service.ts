import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ChangeType } from '../store/entities/change.entity.js';
import {
  type AccountStates,
  type ChangeRow,
  type CollapsedChanges,
  collapseChanges,
  INITIAL_STATES,
  planChangesPage,
} from './change-log.js';

export type ChangesSince =
  ({ ok: true; newState: number; hasMoreChanges: boolean } & CollapsedChanges) | { ok: false };

/** Reads an account's state counters and its change log. */
@Injectable()
export class ChangesService {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async readStates(
    accountId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<AccountStates> {
    const rows: Array<{ modseq: string; delivery_modseq: string; changes_horizon: string }> =
      await manager.query(
        'SELECT modseq, delivery_modseq, changes_horizon FROM mailbox.account_state WHERE account_id = $1',
        [accountId],
      );
    const row = rows[0];
    if (!row) return INITIAL_STATES;
    return {
      modseq: Number(row.modseq),
      deliveryModseq: Number(row.delivery_modseq),
      changesHorizon: Number(row.changes_horizon),
    };
  }

  /**
   * What changed for one type after `since`, at most `maxChanges` ids. Runs against `states` as
   * read in the same transaction, so rows committed after that read are left for the next call.
   */
  async changesSince(
    manager: EntityManager,
    accountId: string,
    type: ChangeType,
    states: AccountStates,
    since: number,
    maxChanges: number,
  ): Promise<ChangesSince> {
    const groups: Array<{ modseq: string; objects: number }> = await manager.query(
      `SELECT modseq, count(DISTINCT object_id)::int AS objects
         FROM mailbox.changes
        WHERE account_id = $1 AND type = $2 AND modseq > $3 AND modseq <= $4
        GROUP BY modseq
        ORDER BY modseq
        LIMIT $5`,
      [accountId, type, since, states.modseq, maxChanges + 1],
    );
    const page = planChangesPage(
      groups.map((group) => ({ modseq: Number(group.modseq), objects: group.objects })),
      maxChanges,
    );
    if (!page.ok) return { ok: false };
    if (page.upTo === null) {
      return {
        ok: true,
        newState: states.modseq,
        hasMoreChanges: false,
        created: [],
        updated: [],
        destroyed: [],
      };
    }
    const rows: Array<{ object_id: string; kind: ChangeRow['kind']; modseq: string }> = await manager.query(
      `SELECT object_id, kind, modseq
         FROM mailbox.changes
        WHERE account_id = $1 AND type = $2 AND modseq > $3 AND modseq <= $4
        ORDER BY modseq, object_id`,
      [accountId, type, since, page.upTo],
    );
    const collapsed = collapseChanges(
      rows.map((row) => ({ objectId: row.object_id, kind: row.kind, modseq: Number(row.modseq) })),
    );
    return {
      ok: true,
      newState: page.hasMore ? page.upTo : states.modseq,
      hasMoreChanges: page.hasMore,
      ...collapsed,
    };
  }
}
