import type { Device, Diagnosis } from '../../api.js';
import { type Column, DataTable } from '../../components/data-table.js';
import { when } from '../../components/format.js';
import { RowAction } from '../../components/row-action.js';
import { StatusBadge } from '../../components/status-badge.js';
import { FindingList } from '../findings/finding-list.js';

/** One account's devices: access, last sync and findings, with their timeline and wipe. */
export function DeviceTable({
  devices,
  diagnoses,
  onTimeline,
  onWipe,
}: {
  devices: readonly Device[];
  diagnoses: ReadonlyMap<string, Diagnosis>;
  onTimeline: (device: Device) => void;
  onWipe: (device: Device) => void;
}) {
  const columns: readonly Column<Device>[] = [
    {
      header: 'Device',
      cell: (device) => (
        <>
          {device.deviceId}
          <div className="muted">
            {device.deviceType} {device.model}
          </div>
        </>
      ),
    },
    {
      header: 'Protocol',
      cell: (device) => (
        <>
          {device.protocol === 'activesync' ? 'ActiveSync' : 'JMAP'}
          {device.protocolVersion && <div className="muted">{device.protocolVersion}</div>}
        </>
      ),
    },
    {
      header: 'Status',
      cell: (device) => <StatusBadge status={diagnoses.get(device.deviceId)?.status ?? 'ok'} />,
    },
    {
      header: 'Access',
      cell: (device) => (
        <>
          {device.status === 'wiped' ? 'wiped' : device.access}
          {device.pendingWipe && <div className="muted">{device.pendingWipe.kind} wipe pending</div>}
        </>
      ),
    },
    { header: 'Last sync', cell: (device) => when(device.lastSyncAt) },
    {
      header: 'Last command',
      cell: (device) =>
        device.lastCommand ? (
          <>
            {device.lastCommand}
            {device.heartbeatSeconds !== null && (
              <div className="muted">heartbeat {device.heartbeatSeconds} s</div>
            )}
          </>
        ) : (
          ''
        ),
    },
    { header: 'Findings', cell: (device) => <FindingList diagnosis={diagnoses.get(device.deviceId)} /> },
    {
      header: 'Actions',
      cell: (device) => (
        <>
          <RowAction label={`Timeline of ${device.deviceId}`} onClick={() => onTimeline(device)}>
            Timeline
          </RowAction>{' '}
          <RowAction
            label={`Wipe ${device.deviceId}`}
            danger
            disabled={device.status === 'wiped' || device.pendingWipe !== null}
            onClick={() => onWipe(device)}
          >
            Wipe…
          </RowAction>
        </>
      ),
    },
  ];
  return <DataTable columns={columns} rows={devices} rowKey={(device) => device.deviceId} />;
}
