/** A node of `EXPLAIN (ANALYZE, FORMAT JSON)`'s plan, with what the row counts need. */
export interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/**
 * Rows PostgreSQL read from tables over a whole plan, every loop of every scan counted: from the
 * named table only, or from every table when none is named.
 */
export function rowsReadInPlan(node: PlanNode, relation?: string): number {
  const scans =
    node['Relation Name'] !== undefined && (relation === undefined || node['Relation Name'] === relation);
  const own = scans
    ? (node['Actual Rows'] +
        (node['Rows Removed by Filter'] ?? 0) +
        (node['Rows Removed by Index Recheck'] ?? 0)) *
      node['Actual Loops']
    : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsReadInPlan(child, relation), 0);
}

/** What runs a query: the pool or one client of it. */
interface Queryable {
  query<R extends object>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/**
 * Rows PostgreSQL reads running `sql` with `params`, by `EXPLAIN (ANALYZE, FORMAT JSON)`: from the
 * named table only, or from every table when none is named (see {@link rowsReadInPlan}).
 */
export async function rowsRead(
  db: Queryable,
  sql: string,
  params: unknown[] = [],
  relation?: string,
): Promise<number> {
  const { rows } = await db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
    `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
    params,
  );
  return rowsReadInPlan(rows[0]!['QUERY PLAN'][0]!.Plan, relation);
}
