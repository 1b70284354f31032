import { useState } from 'react';
import { api, type Diagnosis, type Finding } from '../../api.js';
import type { Run } from '../../components/api-guard.js';
import { type Column, DataTable } from '../../components/data-table.js';
import { Form, SelectField } from '../../components/form.js';
import { when } from '../../components/format.js';
import { Note } from '../../components/messages.js';
import { StatusBadge } from '../../components/status-badge.js';
import { useApiResource } from '../../components/api-hooks.js';
import { FindingList } from './finding-list.js';

type Severity = Finding['severity'];

const COLUMNS: readonly Column<Diagnosis>[] = [
  { header: 'Status', cell: (diagnosis) => <StatusBadge status={diagnosis.status} /> },
  { header: 'Account', cell: (diagnosis) => diagnosis.address },
  { header: 'Device', cell: (diagnosis) => diagnosis.deviceId },
  { header: 'Last sync', cell: (diagnosis) => when(diagnosis.lastSyncAt) },
  { header: 'Findings', cell: (diagnosis) => <FindingList diagnosis={diagnosis} /> },
];

/** Every device with a finding of at least the chosen severity, across accounts. */
export function FindingsView({ run }: { run: Run }) {
  const [minimum, setMinimum] = useState<Severity>('info');
  const { value: result } = useApiResource(
    run,
    () => api<{ devices: Diagnosis[]; examined: number }>('GET', `/admin/findings?minimum=${minimum}`),
    [minimum],
  );
  return (
    <>
      <h2>Devices with a finding</h2>
      <Form inline>
        <SelectField
          label="At least"
          choices={['info', 'warning', 'error']}
          value={minimum}
          onChange={(event) => setMinimum(event.target.value as Severity)}
        />
      </Form>
      {result && (
        <>
          <Note>
            {result.devices.length} of {result.examined} devices
          </Note>
          <DataTable
            columns={COLUMNS}
            rows={result.devices}
            rowKey={(diagnosis) => `${diagnosis.accountId}/${diagnosis.deviceId}`}
          />
        </>
      )}
    </>
  );
}
