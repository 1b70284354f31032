import { Inject, Injectable } from '@nestjs/common';
import type { MailArrivedV1, MailboxChangedV1 } from '@pushmail/contracts';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { MAILBOX_LOGGER } from '../../config/mailbox-config.js';
import { newEmailId, newMailboxId, newThreadId } from '../../ids/random-id.js';
import {
  deliveriesAlreadyStored,
  emailsStored,
  messagesStoredUnparsed,
} from '../../metrics/mailbox-metrics.js';
import { parseMessage, type ParsedMessage } from '../../mime/parse-message.js';
import { MailboxChangesPublisher } from '../../publishing/mailbox-changes.publisher.js';
import type { ChangeKind, ChangeType } from '../../store/entities/change.entity.js';
import { DEFAULT_MAILBOXES } from './default-mailboxes.js';

interface PreparedDelivery {
  accountId: string;
  deliveryId: string;
  receivedAt: Date;
  raw: Buffer;
  parsed: ParsedMessage;
}

export interface AccountDeliveryChange {
  accountId: string;
  /** The account's new state. */
  modseq: number;
  createdEmailIds: string[];
}

export interface StoreDeliveryResult {
  changes: AccountDeliveryChange[];
  published: MailboxChangedV1[];
}

/**
 * Stores a batch of delivered messages. Everything the batch changes commits in one transaction;
 * a delivery already stored (the same event again) is skipped, and an account whose batch stored
 * nothing new keeps its state. Only after the commit is each changed account announced, and only
 * after that does the caller let the consumer commit its offsets.
 */
@Injectable()
export class StoreDeliveryUseCase {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(MailboxChangesPublisher) private readonly publisher: MailboxChangesPublisher,
    @Inject(MAILBOX_LOGGER) private readonly logger: Logger,
  ) {}

  async execute(events: readonly MailArrivedV1[]): Promise<StoreDeliveryResult> {
    // Parsing can take a while on a large message; no transaction or lock is held meanwhile.
    const deliveries: PreparedDelivery[] = [];
    for (const event of events) deliveries.push(await this.prepare(event));

    const byAccount = new Map<string, PreparedDelivery[]>();
    for (const delivery of deliveries) {
      const list = byAccount.get(delivery.accountId) ?? [];
      list.push(delivery);
      byAccount.set(delivery.accountId, list);
    }
    // Locking accounts in one global order keeps two concurrent batches from deadlocking.
    const accountIds = [...byAccount.keys()].sort();

    const changes = await this.dataSource.transaction(async (manager) => {
      const changed: AccountDeliveryChange[] = [];
      for (const accountId of accountIds) {
        const change = await this.storeForAccount(manager, accountId, byAccount.get(accountId)!);
        if (change) changed.push(change);
      }
      return changed;
    });

    const stored = changes.reduce((total, change) => total + change.createdEmailIds.length, 0);
    emailsStored.inc(stored);
    deliveriesAlreadyStored.inc(deliveries.length - stored);

    const published = await this.publisher.publishPending(accountIds);
    return { changes, published };
  }

  private async prepare(event: MailArrivedV1): Promise<PreparedDelivery> {
    const raw = Buffer.from(event.rawBase64, 'base64');
    const parsed = await parseMessage(raw);
    if (parsed.parseError) {
      messagesStoredUnparsed.inc();
      this.logger.warn(
        { accountId: event.accountId, deliveryId: event.deliveryId, reason: parsed.parseError },
        'storing a message whose MIME structure could not be parsed with its header fields only',
      );
    }
    return {
      accountId: event.accountId,
      deliveryId: event.deliveryId,
      receivedAt: new Date(event.receivedAt),
      raw,
      parsed,
    };
  }

  private async storeForAccount(
    manager: EntityManager,
    accountId: string,
    deliveries: PreparedDelivery[],
  ): Promise<AccountDeliveryChange | null> {
    await manager.query(
      'INSERT INTO mailbox.account_state (account_id) VALUES ($1) ON CONFLICT (account_id) DO NOTHING',
      [accountId],
    );
    // Held until commit: the account's changes are serialised, so its modseq moves by exactly one.
    const [state] = (await manager.query(
      'SELECT modseq FROM mailbox.account_state WHERE account_id = $1 FOR UPDATE',
      [accountId],
    )) as Array<{ modseq: string }>;
    const modseq = Number(state!.modseq) + 1;

    const known: Array<{ delivery_id: string }> = await manager.query(
      'SELECT delivery_id FROM mailbox.emails WHERE account_id = $1 AND delivery_id = ANY($2::text[])',
      [accountId, deliveries.map((delivery) => delivery.deliveryId)],
    );
    const seen = new Set(known.map((row) => row.delivery_id));
    const fresh = deliveries.filter((delivery) => {
      if (seen.has(delivery.deliveryId)) return false;
      seen.add(delivery.deliveryId);
      return true;
    });
    if (fresh.length === 0) return null;

    const log = new ChangeRows();
    const mailboxes = await this.ensureDefaultMailboxes(manager, accountId, modseq);
    for (const id of mailboxes.created) log.add('Mailbox', id, 'created');

    const createdEmailIds: string[] = [];
    for (const delivery of fresh) {
      const existingThread = await this.threadAnswered(manager, accountId, delivery.parsed);
      const threadId = existingThread ?? newThreadId();
      const emailId = await this.insertEmail(
        manager,
        accountId,
        delivery,
        threadId,
        mailboxes.inboxId,
        modseq,
      );
      if (emailId === null) continue;
      createdEmailIds.push(emailId);
      log.add('Email', emailId, 'created');
      log.add('Thread', threadId, existingThread === null ? 'created' : 'updated');
    }
    if (createdEmailIds.length === 0 && mailboxes.created.length === 0) return null;

    if (createdEmailIds.length > 0) {
      // The inbox's counts moved.
      log.add('Mailbox', mailboxes.inboxId, 'updated');
      await manager.query('UPDATE mailbox.mailboxes SET updated_modseq = $2 WHERE id = $1', [
        mailboxes.inboxId,
        modseq,
      ]);
    }
    await manager.query(
      `UPDATE mailbox.account_state
          SET modseq = $2,
              delivery_modseq = CASE WHEN $3 THEN $2 ELSE delivery_modseq END,
              updated_at = now()
        WHERE account_id = $1`,
      [accountId, modseq, createdEmailIds.length > 0],
    );
    const rows = log.rows();
    await manager.query(
      `INSERT INTO mailbox.changes (account_id, modseq, type, object_id, kind)
       SELECT $1, $2, change.type, change.object_id, change.kind
         FROM unnest($3::text[], $4::text[], $5::text[]) AS change (type, object_id, kind)`,
      [
        accountId,
        modseq,
        rows.map((row) => row.type),
        rows.map((row) => row.objectId),
        rows.map((row) => row.kind),
      ],
    );
    return { accountId, modseq, createdEmailIds };
  }

  /** Creates whichever standard mailboxes the account lacks; normally all six, with its first mail. */
  private async ensureDefaultMailboxes(
    manager: EntityManager,
    accountId: string,
    modseq: number,
  ): Promise<{ inboxId: string; created: string[] }> {
    const existing: Array<{ id: string; role: string }> = await manager.query(
      'SELECT id, role FROM mailbox.mailboxes WHERE account_id = $1 AND role IS NOT NULL',
      [accountId],
    );
    const byRole = new Map(existing.map((row) => [row.role, row.id]));
    const created: string[] = [];
    for (const mailbox of DEFAULT_MAILBOXES) {
      if (byRole.has(mailbox.role)) continue;
      const inserted: Array<{ id: string }> = await manager.query(
        `INSERT INTO mailbox.mailboxes (id, account_id, name, role, parent_id, sort_order, created_modseq, updated_modseq)
         VALUES ($1, $2, $3, $4, NULL, $5, $6, $6)
         ON CONFLICT (account_id, role) WHERE role IS NOT NULL DO NOTHING
         RETURNING id`,
        [newMailboxId(), accountId, mailbox.name, mailbox.role, mailbox.sortOrder, modseq],
      );
      if (inserted[0]) {
        byRole.set(mailbox.role, inserted[0].id);
        created.push(inserted[0].id);
      }
    }
    const inboxId = byRole.get('inbox');
    if (!inboxId) throw new Error(`account ${accountId} has no inbox after creating the default mailboxes`);
    return { inboxId, created };
  }

  /** The thread of the earliest stored message this one replies to or references, if any. */
  private async threadAnswered(
    manager: EntityManager,
    accountId: string,
    parsed: ParsedMessage,
  ): Promise<string | null> {
    const referenced = [...(parsed.inReplyTo ?? []), ...(parsed.references ?? [])];
    if (referenced.length === 0) return null;
    const rows: Array<{ thread_id: string }> = await manager.query(
      `SELECT thread_id FROM mailbox.emails
        WHERE account_id = $1 AND message_id = ANY($2::text[])
        ORDER BY received_at, id
        LIMIT 1`,
      [accountId, referenced],
    );
    return rows[0]?.thread_id ?? null;
  }

  /** Returns the new email's id, or null when this delivery was already stored. */
  private async insertEmail(
    manager: EntityManager,
    accountId: string,
    delivery: PreparedDelivery,
    threadId: string,
    inboxId: string,
    modseq: number,
  ): Promise<string | null> {
    const { parsed } = delivery;
    const json = (value: unknown): string | null => (value === null ? null : JSON.stringify(value));
    const inserted: Array<{ id: string }> = await manager.query(
      `INSERT INTO mailbox.emails (
         id, account_id, delivery_id, thread_id, mailbox_ids, keywords, received_at, size,
         subject, "from", "to", cc, reply_to, message_id, in_reply_to, "references", sent_at,
         preview, text_body, html_body, has_attachment, attachments, raw, created_modseq, updated_modseq
       ) VALUES (
         $1, $2, $3, $4, $5::jsonb, '{}'::jsonb, $6, $7,
         $8, $9::jsonb, $10::jsonb, $11::jsonb, $12::jsonb, $13, $14::jsonb, $15::jsonb, $16,
         $17, $18, $19, $20, $21::jsonb, $22, $23, $23
       )
       ON CONFLICT (account_id, delivery_id) DO NOTHING
       RETURNING id`,
      [
        newEmailId(),
        accountId,
        delivery.deliveryId,
        threadId,
        JSON.stringify({ [inboxId]: true }),
        delivery.receivedAt,
        delivery.raw.length,
        parsed.subject,
        json(parsed.from),
        json(parsed.to),
        json(parsed.cc),
        json(parsed.replyTo),
        parsed.messageId,
        json(parsed.inReplyTo),
        json(parsed.references),
        parsed.sentAt,
        parsed.preview,
        parsed.textBody,
        parsed.htmlBody,
        parsed.hasAttachment,
        JSON.stringify(parsed.attachments),
        delivery.raw,
        modseq,
      ],
    );
    return inserted[0]?.id ?? null;
  }
}

/** The change rows of one transaction, one per object: the first kind recorded wins (created over updated). */
class ChangeRows {
  private readonly entries = new Map<string, { type: ChangeType; objectId: string; kind: ChangeKind }>();

  add(type: ChangeType, objectId: string, kind: ChangeKind): void {
    const key = `${type}\u0001${objectId}`;
    if (!this.entries.has(key)) this.entries.set(key, { type, objectId, kind });
  }

  rows(): Array<{ type: ChangeType; objectId: string; kind: ChangeKind }> {
    return [...this.entries.values()];
  }
}
