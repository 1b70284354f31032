import { api, type Device, type TrailRecord } from '../../api.js';
import type { Run } from '../../components/api-guard.js';
import { type Column, DataTable } from '../../components/data-table.js';
import { when } from '../../components/format.js';
import { LabelledSection } from '../../components/labelled-section.js';
import { useApiResource } from '../../components/api-hooks.js';
import { devicePath } from './device-path.js';

const COLUMNS: readonly Column<TrailRecord>[] = [
  { header: 'When', cell: (record) => when(record.at) },
  { header: 'What', cell: (record) => `${record.kind}${record.count ? ` ×${record.count}` : ''}` },
  { header: 'Detail', cell: describe },
];

/** What the device did lately, from its trail: connections, requests, refused sign-ins. */
export function DeviceTimeline({ run, device }: { run: Run; device: Device }) {
  const trail = useApiResource(
    run,
    () => api<{ records: TrailRecord[] }>('GET', `${devicePath(device)}/trail?limit=200`),
    [device],
  );
  return (
    <LabelledSection id="timeline-heading" title={`Timeline of ${device.deviceId}`}>
      <DataTable
        columns={COLUMNS}
        rows={trail.loaded ? (trail.value?.records ?? []) : null}
        rowKey={(record) => record.id}
        empty="Nothing recorded in the retention window."
      />
    </LabelledSection>
  );
}

function describe(record: TrailRecord): string {
  if (record.detail) return record.detail;
  if (record.request)
    return `${record.request.methods.join(', ')}: ${record.request.ok ? 'ok' : (record.request.error ?? 'failed')} in ${record.request.durationMs} ms`;
  if (record.auth) return `${record.auth.status} ${record.auth.reason}`;
  // A folded record (pings, pongs, pushes) is shown at its last; its first is here.
  if (record.firstAt) return `the first at ${when(record.firstAt)}`;
  return '';
}
