import { useState } from 'react';
import { api, type Device } from '../../api.js';
import type { Run } from '../../components/api-guard.js';
import { type Column, DataTable } from '../../components/data-table.js';
import { StatusMessage } from '../../components/messages.js';
import { RowAction } from '../../components/row-action.js';
import { useApiResource } from '../../components/api-hooks.js';
import { devicePath } from '../devices/device-path.js';

type Decision = 'allowed' | 'blocked';

const FIELDS: readonly Column<Device>[] = [
  { header: 'Account', cell: (device) => device.address },
  { header: 'Device', cell: (device) => device.deviceId },
  { header: 'Type and model', cell: (device) => `${device.deviceType} ${device.model}` },
  { header: 'Quarantined by', cell: (device) => device.accessReason },
];

/** Devices an access rule quarantined, each waiting for an administrator to allow or block it. */
export function QuarantineView({ run }: { run: Run }) {
  const [message, setMessage] = useState<string | null>(null);
  const queue = useApiResource(
    run,
    () => api<{ devices: Device[] }>('GET', '/admin/devices?access=quarantined&status=active&limit=500'),
    [],
  );
  async function decide(device: Device, access: Decision) {
    const done = await run(() =>
      api('PUT', `${devicePath(device)}/access`, { access, note: 'decided in the console' }),
    );
    if (done !== undefined) {
      setMessage(`${device.deviceId} of ${device.address} is now ${access}.`);
      await queue.reload();
    }
  }
  const decision: Column<Device> = {
    header: 'Decision',
    cell: (device) => (
      <>
        <RowAction label={`Allow ${device.deviceId}`} onClick={() => void decide(device, 'allowed')}>
          Allow
        </RowAction>{' '}
        <RowAction label={`Block ${device.deviceId}`} danger onClick={() => void decide(device, 'blocked')}>
          Block
        </RowAction>
      </>
    ),
  };
  return (
    <>
      <h2>Quarantine queue</h2>
      {message && <StatusMessage>{message}</StatusMessage>}
      <DataTable
        rows={queue.loaded ? (queue.value?.devices ?? []) : null}
        rowKey={(device) => `${device.accountId}/${device.deviceId}`}
        empty="No device waits for a decision."
        columns={[...FIELDS, decision]}
      />
    </>
  );
}
