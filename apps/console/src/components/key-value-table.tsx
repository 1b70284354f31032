import type { ReactNode } from 'react';

export interface KeyValue {
  key: string;
  name: ReactNode;
  value: ReactNode;
}

/** A two-column table whose first column names each row. */
export function KeyValueTable({ entries }: { entries: readonly KeyValue[] }) {
  return (
    <table>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.key}>
            <th scope="row">{entry.name}</th>
            <td>{entry.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
