/** One column as `information_schema` describes it after the migrations ran. */
export interface ColumnInfo {
  table: string;
  column: string;
  /** `udt_name`: int4, int8, text, jsonb, timestamptz, ... */
  type: string;
  nullable: boolean;
  hasDefault: boolean;
}

/** A `CHECK (column IN (...))` constraint, which becomes a union of string literals. */
export interface AllowedValues {
  table: string;
  column: string;
  values: string[];
}

/** What the database returns and accepts for each column type the migrations use. */
const TYPES: Readonly<Record<string, string>> = {
  text: 'string',
  varchar: 'string',
  uuid: 'string',
  int2: 'number',
  int4: 'number',
  int8: 'Int8',
  bool: 'boolean',
  timestamptz: 'Timestamp',
  jsonb: 'Json',
  bytea: 'Buffer',
};

const HEADER = `// Generated from the migrations by apps/mailbox/src/store/schema/schema.int-spec.ts: do not edit.
// After adding a migration, run
//   npx vitest run --project integration apps/mailbox/src/store/schema --update
// and commit the result.
import type { Generated, Int8, Json, Timestamp } from './schema/column-types.js';
`;

/** The Kysely schema types of `schema`: one interface per table and the database interface. */
export function renderSchema(schema: string, columns: ColumnInfo[], allowed: AllowedValues[]): string {
  const tables = new Map<string, ColumnInfo[]>();
  for (const column of columns) tables.set(column.table, [...(tables.get(column.table) ?? []), column]);
  const names = [...tables.keys()].sort();
  const literalUnion = (table: string, column: string): string | undefined => {
    const match = allowed.find((entry) => entry.table === table && entry.column === column);
    return match?.values.map((value) => `'${value}'`).join(' | ');
  };
  const blocks = names.map((table) => {
    const fields = tables.get(table)!.map((column) => {
      const base = literalUnion(table, column.column) ?? TYPES[column.type];
      if (base === undefined) throw new Error(`no type for ${table}.${column.column} (${column.type})`);
      const nullable = column.nullable ? `${base} | null` : base;
      const type = column.hasDefault ? `Generated<${nullable}>` : nullable;
      return `  ${propertyName(column.column)}: ${type};`;
    });
    return `export interface ${interfaceName(table)} {\n${fields.join('\n')}\n}\n`;
  });
  const database = names.map((table) => `  '${schema}.${table}': ${interfaceName(table)};`);
  return [HEADER, ...blocks, `export interface MailboxDatabase {\n${database.join('\n')}\n}\n`].join('\n');
}

/** `CHECK ((role = ANY (ARRAY['inbox'::text, 'archive'::text])))`, as pg_get_constraintdef prints it. */
export function allowedValuesOf(definition: string): { column: string; values: string[] } | undefined {
  const match = /^CHECK \(\(\(?(\w+)\)? = ANY \(\(?ARRAY\[(.*)\]\)?(?:::text\[\])?\)\)\)$/.exec(definition);
  if (!match) return undefined;
  const values = [...match[2]!.matchAll(/'([^']*)'::text/g)].map((item) => item[1]!);
  return values.length > 0 ? { column: match[1]!, values } : undefined;
}

function interfaceName(table: string): string {
  const pascal = table.replace(/(^|_)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
  return `${pascal}Table`;
}

function propertyName(column: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(column) ? column : `'${column}'`;
}
