import { useCallback, useState } from 'react';
import { type Account, api, type Device, type Diagnosis } from '../../api.js';
import type { Run } from '../../components/api-guard.js';
import { type Column, DataTable } from '../../components/data-table.js';
import { when } from '../../components/format.js';
import { LabelledSection } from '../../components/labelled-section.js';
import { StatusMessage } from '../../components/messages.js';
import { RowAction } from '../../components/row-action.js';
import { useApiResource } from '../../components/api-hooks.js';
import { requestWipe, WipeDialog, type WipeKind } from '../wipes/wipe-dialog.js';
import { DeviceTable } from './device-table.js';
import { DeviceTimeline } from './device-timeline.js';

const ACCOUNT_FIELDS: readonly Column<Account>[] = [
  { header: 'Address', cell: (account) => account.address },
  { header: 'Status', cell: (account) => account.status },
  { header: 'Devices', cell: (account) => account.deviceCount },
  { header: 'Locked until', cell: (account) => (account.lockedUntil ? when(account.lockedUntil) : '') },
];

/** The accounts; for the chosen one, its devices with their findings, timeline and wipe. */
export function DevicesView({ run }: { run: Run }) {
  const accounts = useApiResource(
    run,
    () => api<{ accounts: Account[] }>('GET', '/admin/accounts?limit=200'),
    [],
  );
  const [selected, setSelected] = useState<Account | null>(null);
  const [devices, setDevices] = useState<Device[]>([]);
  const [diagnoses, setDiagnoses] = useState<Map<string, Diagnosis>>(new Map());
  const [timelineOf, setTimelineOf] = useState<Device | null>(null);
  const [wipeOf, setWipeOf] = useState<Device | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const load = useCallback(
    async (account: Account) => {
      setSelected(account);
      setTimelineOf(null);
      const [list, findings] = await Promise.all([
        run(() => api<{ devices: Device[] }>('GET', `/admin/accounts/${account.accountId}/devices`)),
        run(() => api<{ devices: Diagnosis[] }>('GET', `/admin/accounts/${account.accountId}/findings`)),
      ]);
      setDevices(list?.devices ?? []);
      setDiagnoses(new Map((findings?.devices ?? []).map((diagnosis) => [diagnosis.deviceId, diagnosis])));
    },
    [run],
  );

  async function wipe(device: Device, kind: WipeKind) {
    const done = await run(() => requestWipe(device, kind));
    setWipeOf(null);
    if (done !== undefined) {
      setMessage(
        `A ${kind} wipe of ${device.deviceId} was requested; it runs when the device next connects.`,
      );
      if (selected) await load(selected);
    }
  }

  const showDevices: Column<Account> = {
    header: <span className="visually-hidden">Actions</span>,
    cell: (account) => (
      <RowAction label={`Show devices of ${account.address}`} onClick={() => void load(account)}>
        Devices
      </RowAction>
    ),
  };
  return (
    <>
      <h2>Accounts</h2>
      <DataTable
        columns={[...ACCOUNT_FIELDS, showDevices]}
        rows={accounts.value?.accounts ?? []}
        rowKey={(account) => account.accountId}
      />
      {message && <StatusMessage>{message}</StatusMessage>}
      {selected && (
        <LabelledSection id="devices-heading" title={`Devices of ${selected.address}`}>
          <DeviceTable
            devices={devices}
            diagnoses={diagnoses}
            onTimeline={setTimelineOf}
            onWipe={setWipeOf}
          />
        </LabelledSection>
      )}
      {timelineOf && <DeviceTimeline run={run} device={timelineOf} />}
      {wipeOf && (
        <WipeDialog
          device={wipeOf}
          onCancel={() => setWipeOf(null)}
          onConfirm={(kind) => void wipe(wipeOf, kind)}
        />
      )}
    </>
  );
}
