import { useState } from 'react';
import { api, type QueuedDelivery, type QueuePage } from '../../api.js';
import type { Run } from '../../components/api-guard.js';
import { type Column, DataTable } from '../../components/data-table.js';
import { StatusMessage } from '../../components/messages.js';
import { RowAction } from '../../components/row-action.js';
import { useApiResource } from '../../components/api-hooks.js';

const FIELDS: readonly Column<QueuedDelivery>[] = [
  { header: 'Delivery', cell: (delivery) => delivery.deliveryId },
  { header: 'Status', cell: (delivery) => (delivery.cancelRequested ? 'dropping' : delivery.status) },
  { header: 'From', cell: (delivery) => delivery.sender },
  { header: 'To', cell: (delivery) => delivery.recipient },
  { header: 'Attempts', cell: (delivery) => delivery.attempts },
  {
    header: 'Next attempt',
    cell: (delivery) => (delivery.inProgress ? 'in progress' : delivery.nextAttemptAt),
  },
  { header: 'Last reply', cell: (delivery) => delivery.lastReply ?? '' },
];

/**
 * The outbound queue: the deliveries waiting to go out (not tried yet, or deferred), oldest first.
 * Retry makes one due now; drop bounces it at the next pass (a DSN to the sender). outbound refuses
 * both for a delivery a replica is trying (409), which the guard shows.
 */
export function OutboundQueueView({ run }: { run: Run }) {
  const [message, setMessage] = useState<string | null>(null);
  const queue = useApiResource(run, () => api<QueuePage>('GET', '/admin/queue?limit=500'), []);
  async function act(delivery: QueuedDelivery, action: 'retry' | 'drop') {
    const route = action === 'retry' ? 'retry' : 'cancel';
    const done = await run(() =>
      api<QueuedDelivery>('POST', `/admin/queue/${encodeURIComponent(delivery.deliveryId)}/${route}`),
    );
    if (done !== undefined) {
      setMessage(
        action === 'retry'
          ? `The delivery to ${delivery.recipient} is tried at the next pass.`
          : `The delivery to ${delivery.recipient} bounces at the next pass.`,
      );
      await queue.reload();
    }
  }
  const actions: Column<QueuedDelivery> = {
    header: 'Action',
    cell: (delivery) => (
      <>
        <RowAction
          label={`Retry ${delivery.recipient}`}
          disabled={delivery.inProgress || delivery.cancelRequested}
          onClick={() => void act(delivery, 'retry')}
        >
          Retry
        </RowAction>{' '}
        <RowAction
          label={`Drop ${delivery.recipient}`}
          danger
          disabled={delivery.inProgress || delivery.cancelRequested}
          onClick={() => void act(delivery, 'drop')}
        >
          Drop
        </RowAction>
      </>
    ),
  };
  return (
    <>
      <h2>Outbound queue</h2>
      {message && <StatusMessage>{message}</StatusMessage>}
      <DataTable
        rows={queue.loaded ? (queue.value?.deliveries ?? []) : null}
        rowKey={(delivery) => delivery.deliveryId}
        empty="No mail waits to go out."
        columns={[...FIELDS, actions]}
      />
    </>
  );
}
