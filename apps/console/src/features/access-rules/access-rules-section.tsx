import { api, type AccessRule } from '../../api.js';
import type { Run } from '../../components/api-guard.js';
import { type Column, DataTable } from '../../components/data-table.js';
import { Field, Form, SelectField } from '../../components/form.js';
import { RowAction } from '../../components/row-action.js';
import { useApiResource } from '../../components/api-hooks.js';

const FIELDS: readonly Column<AccessRule>[] = [
  { header: 'Match', cell: (rule) => rule.matchField },
  { header: 'Pattern', cell: (rule) => rule.pattern },
  { header: 'Access', cell: (rule) => rule.access },
];

/** The rules that decide a new device's access from its model or type, and a form to add one. */
export function AccessRulesSection({ run }: { run: Run }) {
  const list = useApiResource(run, () => api<{ rules: AccessRule[] }>('GET', '/admin/access/rules'), []);
  async function add(fields: FormData) {
    const done = await run(() =>
      api('POST', '/admin/access/rules', {
        matchField: fields.get('matchField'),
        pattern: fields.get('pattern'),
        access: fields.get('access'),
      }),
    );
    if (done !== undefined) await list.reload();
  }
  async function remove(rule: AccessRule) {
    await run(() => api('DELETE', `/admin/access/rules/${rule.ruleId}`));
    await list.reload();
  }
  const actions: Column<AccessRule> = {
    header: 'Actions',
    cell: (rule) => (
      <RowAction label={`Remove rule ${rule.pattern}`} onClick={() => void remove(rule)}>
        Remove
      </RowAction>
    ),
  };
  return (
    <>
      <h2>Access rules</h2>
      <DataTable
        columns={[...FIELDS, actions]}
        rows={list.value?.rules ?? []}
        rowKey={(rule) => rule.ruleId}
      />
      <Form inline onSubmit={(fields) => void add(fields)} aria-label="Add an access rule">
        <SelectField
          label="Match on"
          name="matchField"
          defaultValue="model"
          choices={['model', ['deviceType', 'device type']]}
        />
        <Field label="Pattern (* matches anything)">
          <input name="pattern" required maxLength={128} />
        </Field>
        <SelectField
          label="Access"
          name="access"
          defaultValue="quarantined"
          choices={['allowed', 'quarantined', 'blocked']}
        />
        <button type="submit">Add rule</button>
      </Form>
    </>
  );
}
