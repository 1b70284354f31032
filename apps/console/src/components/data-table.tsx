import type { ReactNode } from 'react';
import { Loading, Note } from './messages.js';

export interface Column<Row> {
  header: ReactNode;
  cell: (row: Row) => ReactNode;
}

/**
 * A table with one row per item. `rows` of null is still loading; with `empty`, no rows shows that
 * note instead of an empty table.
 */
export function DataTable<Row>({
  columns,
  rows,
  rowKey,
  empty,
}: {
  columns: readonly Column<Row>[];
  rows: readonly Row[] | null;
  rowKey: (row: Row) => string;
  empty?: string;
}) {
  if (rows === null) return <Loading />;
  if (empty !== undefined && rows.length === 0) return <Note>{empty}</Note>;
  return (
    <table>
      <thead>
        <tr>
          {columns.map((column, index) => (
            <th scope="col" key={index}>
              {column.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)}>
            {columns.map((column, index) => (
              <td key={index}>{column.cell(row)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
