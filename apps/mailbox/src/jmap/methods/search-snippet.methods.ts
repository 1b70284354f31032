import { Inject, Injectable } from '@nestjs/common';
import { DEFAULT_CORE_LIMITS, type MethodContext } from '@pushmail/jmap';
import { DataSource } from 'typeorm';
import { isJmapId } from '../../ids/random-id.js';
import { previewOf } from '../../mime/parse-message.js';
import { compileEmailFilter, searchTerms } from '../query/email-filter.js';
import { SqlParams } from '../query/sql-params.js';
import { searchSnippet } from '../search/search-snippet.js';
import { idsArgument } from './arguments.js';
import { readSnapshot } from './read-snapshot.js';
import { listFound } from './type-methods.js';

/** SearchSnippet/get (RFC 8621 §5.1): where the search of an Email/query matched each email. */
@Injectable()
export class SearchSnippetMethods {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async get(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const { accountId } = context;
    const emailIds = idsArgument({ ids: args['emailIds'] }, DEFAULT_CORE_LIMITS.maxObjectsInGet, true)!;
    // Compiled only to answer a malformed filter the way Email/query would.
    compileEmailFilter(args['filter'], new SqlParams());
    const terms = searchTerms(args['filter']);
    const lookup = emailIds.filter(isJmapId);

    return readSnapshot(this.dataSource, async (manager) => {
      const rows: Array<{
        id: string;
        subject: string | null;
        text_body: string | null;
        html_body: string | null;
      }> =
        lookup.length === 0
          ? []
          : await manager.query(
              `SELECT id, subject, text_body, html_body FROM mailbox.emails WHERE account_id = $1 AND id = ANY($2::text[])`,
              [accountId, lookup],
            );
      const found = new Map(rows.map((row) => [row.id, row]));
      const { list, notFound } = listFound(emailIds, found, (row, id) => {
        const body = row.text_body ?? (row.html_body === null ? null : previewOf(null, row.html_body));
        return { emailId: id, ...searchSnippet(terms, row.subject, body) };
      });
      return {
        accountId,
        list,
        // RFC 8621 §5.1: null, not an empty list, when every email was found.
        notFound: notFound.length === 0 ? null : notFound,
      };
    });
  }
}
