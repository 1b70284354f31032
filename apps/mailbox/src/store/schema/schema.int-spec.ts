import { describe, expect, it } from 'vitest';
import { useMigratedMailboxDatabase } from '../../testing/migrated-database.js';
import { MAILBOX_SCHEMA } from '../data-source-options.js';
import { allowedValuesOf, type AllowedValues, type ColumnInfo, renderSchema } from './render-schema.js';

describe(renderSchema.name, () => {
  const database = useMigratedMailboxDatabase();

  it('gives the committed schema types when run over the migrated database', async () => {
    const columns: Array<{
      table: string;
      column: string;
      type: string;
      nullable: boolean;
      has_default: boolean;
    }> = await database.dataSource.query(
      `SELECT table_name AS table, column_name AS column, udt_name AS type,
              is_nullable = 'YES' AS nullable, column_default IS NOT NULL AS has_default
         FROM information_schema.columns
        WHERE table_schema = $1 AND table_name <> 'migrations'
        ORDER BY table_name, ordinal_position`,
      [MAILBOX_SCHEMA],
    );
    const checks: Array<{ table: string; definition: string }> = await database.dataSource.query(
      `SELECT rel.relname AS table, pg_get_constraintdef(con.oid) AS definition
         FROM pg_constraint AS con
         JOIN pg_class AS rel ON rel.oid = con.conrelid
         JOIN pg_namespace AS ns ON ns.oid = rel.relnamespace
        WHERE ns.nspname = $1 AND con.contype = 'c'
        ORDER BY rel.relname, con.conname`,
      [MAILBOX_SCHEMA],
    );
    const allowed: AllowedValues[] = checks.flatMap(({ table, definition }) => {
      const found = allowedValuesOf(definition);
      return found ? [{ table, ...found }] : [];
    });
    const rendered = renderSchema(
      MAILBOX_SCHEMA,
      columns.map((row): ColumnInfo => ({
        table: row.table,
        column: row.column,
        type: row.type,
        nullable: row.nullable,
        hasDefault: row.has_default,
      })),
      allowed,
    );
    await expect(rendered).toMatchFileSnapshot('../schema.generated.ts');
  });
});
