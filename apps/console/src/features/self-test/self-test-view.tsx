import { useState } from 'react';
import { api, type Hop, type SelfTestReport } from '../../api.js';
import type { Run } from '../../components/api-guard.js';
import { type Column, DataTable } from '../../components/data-table.js';
import { Field, Form, formText } from '../../components/form.js';
import { Note, StatusMessage } from '../../components/messages.js';
import { StatusBadge } from '../../components/status-badge.js';

const COLUMNS: readonly Column<Hop>[] = [
  { header: 'Hop', cell: (hop) => hop.name },
  { header: 'Result', cell: (hop) => <StatusBadge status={hop.ok ? 'ok' : 'error'} /> },
  { header: 'Time', cell: (hop) => (hop.ms === null ? '—' : `${hop.ms} ms`) },
  { header: 'Detail', cell: (hop) => hop.detail },
];

/** Sends a test mail to an account and follows it hop by hop as one of its devices would. */
export function SelfTestView({ run }: { run: Run }) {
  const [report, setReport] = useState<SelfTestReport | null>(null);
  const [busy, setBusy] = useState(false);
  async function start(fields: FormData) {
    setBusy(true);
    setReport(null);
    const result = await run(() =>
      api<SelfTestReport>('POST', '/admin/selftest', {
        accountId: formText(fields, 'accountId'),
        deviceToken: formText(fields, 'deviceToken'),
      }),
    );
    setBusy(false);
    if (result) setReport(result);
  }
  return (
    <>
      <h2>Connectivity self-test</h2>
      <Note>Sends the account a mail and follows it as the device: SMTP, Kafka, store, push, fetch.</Note>
      <Form inline onSubmit={(fields) => void start(fields)}>
        <Field label="Account id">
          <input name="accountId" required pattern="[0-9a-fA-F-]{36}" />
        </Field>
        <Field label="Device token">
          <input name="deviceToken" type="password" required minLength={16} />
        </Field>
        <button type="submit" disabled={busy}>
          {busy ? 'Running…' : 'Run self-test'}
        </button>
      </Form>
      {report && (
        <section aria-live="polite">
          <StatusMessage>
            <StatusBadge status={report.ok ? 'ok' : 'error'} />{' '}
            {report.ok
              ? `Every hop answered in ${report.totalMs} ms.`
              : `Stopped at ${report.stoppedAt}: ${report.diagnosis}`}
          </StatusMessage>
          <DataTable columns={COLUMNS} rows={report.hops} rowKey={(hop) => hop.name} />
        </section>
      )}
    </>
  );
}
