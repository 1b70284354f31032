import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DeliveryWorker } from '../deliver-queued/delivery-worker.service.js';
import type { QueuedDelivery, QueuePage, QueueQuery } from './dto/queue.dto.js';

interface DeliveryRow {
  id: string;
  submission_id: string;
  account_id: string;
  mail_from: string;
  recipient: string;
  status: 'queued' | 'deferred';
  attempts: number;
  next_attempt_at: Date;
  expires_at: Date;
  last_reply: string | null;
  in_progress: boolean;
  cancel_requested_at: Date | null;
  created_at: Date;
}

const SELECT_WAITING = `
  SELECT delivery.id::text AS id, delivery.submission_id, delivery.account_id, message.mail_from,
         delivery.recipient, delivery.status, delivery.attempts, delivery.next_attempt_at,
         delivery.expires_at, delivery.last_reply, delivery.cancel_requested_at, delivery.created_at,
         coalesce(delivery.claimed_until > now(), false) AS in_progress
    FROM outbound.deliveries AS delivery JOIN outbound.messages AS message USING (submission_id)
   WHERE delivery.status IN ('queued', 'deferred')`;

/**
 * The administrator's view of the queue: what waits, a retry now, a cancel. Neither touches a
 * delivery a replica is trying at that moment (409): two attempts at once could send it twice.
 * A cancel is done by the worker at its next pass, as a bounce: DSN and `deliveryStatus` no.
 */
@Injectable()
export class AdministerQueue {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(DeliveryWorker) private readonly worker: DeliveryWorker,
  ) {}

  async list(query: QueueQuery): Promise<QueuePage> {
    const rows: DeliveryRow[] = await this.dataSource.query(
      `${SELECT_WAITING} AND ($1::text IS NULL OR delivery.status = $1) ORDER BY delivery.created_at, delivery.id LIMIT $2`,
      [query.status ?? null, query.limit],
    );
    return { deliveries: rows.map(toDto) };
  }

  /** Due now: this replica tries it at once (or the next pass of another). */
  retry(deliveryId: string): Promise<QueuedDelivery> {
    return this.change(deliveryId, 'next_attempt_at = now()');
  }

  cancel(deliveryId: string): Promise<QueuedDelivery> {
    return this.change(
      deliveryId,
      'cancel_requested_at = coalesce(cancel_requested_at, now()), next_attempt_at = now()',
    );
  }

  private async change(deliveryId: string, assignments: string): Promise<QueuedDelivery> {
    // Through a CTE, so that the answer is the rows and not TypeORM's [rows, count] of an UPDATE.
    const changed: Array<{ id: string }> = await this.dataSource.query(
      `WITH changed AS (
         UPDATE outbound.deliveries SET ${assignments}, updated_at = now()
          WHERE id = $1::bigint AND status IN ('queued', 'deferred')
            AND (claimed_until IS NULL OR claimed_until <= now())
          RETURNING id
       )
       SELECT id FROM changed`,
      [deliveryId],
    );
    const [row]: DeliveryRow[] = await this.dataSource.query(
      `${SELECT_WAITING} AND delivery.id = $1::bigint`,
      [deliveryId],
    );
    if (!row) {
      throw new NotFoundException({
        error: 'not_found',
        message: `no delivery ${deliveryId} waits in the queue (it may have been delivered or bounced)`,
      });
    }
    if (changed.length === 0) {
      throw new ConflictException({
        error: 'delivery_in_progress',
        message: `delivery ${deliveryId} is being tried right now; ask again once the attempt is over`,
      });
    }
    this.worker.wake();
    return toDto(row);
  }
}

function toDto(row: DeliveryRow): QueuedDelivery {
  return {
    deliveryId: row.id,
    submissionId: row.submission_id,
    accountId: row.account_id,
    sender: row.mail_from,
    recipient: row.recipient,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    lastReply: row.last_reply,
    inProgress: row.in_progress,
    cancelRequested: row.cancel_requested_at !== null,
    createdAt: row.created_at.toISOString(),
  };
}
