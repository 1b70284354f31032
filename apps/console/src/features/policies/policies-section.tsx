import { api, type Policy } from '../../api.js';
import type { Run } from '../../components/api-guard.js';
import { type Column, DataTable } from '../../components/data-table.js';
import { useApiResource } from '../../components/api-hooks.js';

const COLUMNS: readonly Column<Policy>[] = [
  { header: 'Name', cell: (policy) => policy.name },
  { header: 'Version', cell: (policy) => policy.version },
  { header: 'Default', cell: (policy) => (policy.isDefault ? 'yes' : '') },
  { header: 'Accounts', cell: (policy) => policy.assignedAccounts },
  { header: 'Settings', cell: (policy) => <pre>{JSON.stringify(policy.settings)}</pre> },
];

/** The device policies, which one is the default, and how many accounts each governs. */
export function PoliciesSection({ run }: { run: Run }) {
  const list = useApiResource(run, () => api<{ policies: Policy[] }>('GET', '/admin/policies'), []);
  return (
    <>
      <h2>Policies</h2>
      <DataTable columns={COLUMNS} rows={list.value?.policies ?? []} rowKey={(policy) => policy.policyId} />
    </>
  );
}
