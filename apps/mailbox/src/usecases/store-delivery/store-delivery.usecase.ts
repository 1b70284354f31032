import { Inject, Injectable } from '@nestjs/common';
import type { MailArrivedV1, MailboxChangedV1 } from '@pushmail/contracts';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { isUuid, LOGGER } from '@pushmail/platform';
import { BlobStore, type StoredBlob } from '../../blobs/blob-store.service.js';
import { AccountWrite, type LockedRow } from '../../changes/account-write.js';
import type { AccountStates } from '../../changes/change-log.js';
import { newEmail } from '../../emails/email.js';
import { insertEmail } from '../../emails/email-store.js';
import { ensureDefaultMailboxes } from '../../mailboxes/default-mailboxes.js';
import {
  type Ending,
  type FirstStatement,
  plainTextArray,
  transactionBegunWith,
} from '../../store/begun-transaction.js';
import { type MailboxRole, PreparedStatement } from '../../store/query-builder.js';
import { MailboxMetrics } from '../../metrics/mailbox-metrics.js';
import { parseMessage, type ParsedMessage } from '../../mime/parse-message.js';
import { readHeaders } from '../../mime/body-structure.js';
import { type StoredBody, storedBody } from '../../mime/email-body.js';
import { replyIfOnVacation } from '../../vacation/vacation-store.js';
import { type ChangeOrigin, MailboxChangesPublisher } from '../../publishing/mailbox-changes.publisher.js';

/** A delivery's first statement: the account's lock, and what the batch needs read under it. */
type LockedForDelivery = LockedRow & {
  known: string[];
  roles: Record<string, string> | null;
  vacation_enabled: boolean;
};

/**
 * Locks the account (creating its state row on its first change) and reads, under the lock, which
 * of the deliveries are stored already, the account's mailboxes by role and whether its
 * VacationResponse is enabled: one round trip (a function, so that the reads see what the lock's
 * previous holder committed). Most accounts are not on vacation, and for them no message needs the
 * vacation read of its own.
 */
const LOCK_FOR_DELIVERY = new PreparedStatement<
  { accountId: string; deliveryIds: string[] },
  LockedForDelivery
>(
  'mailbox.lock-for-delivery',
  (slot) =>
    sql<LockedForDelivery>`SELECT * FROM mailbox.lock_for_delivery(${slot('accountId')}::uuid, ${slot('deliveryIds')}::text[])`,
);

/**
 * LOCK_FOR_DELIVERY as a transaction's first statement: written out, so that it goes with the
 * BEGIN, when the account id and every delivery id can be.
 */
function lockForDelivery(accountId: string, deliveryIds: string[]): FirstStatement<LockedForDelivery> {
  const ids = plainTextArray(deliveryIds);
  if (isUuid(accountId) && ids !== undefined)
    return { inline: `SELECT * FROM mailbox.lock_for_delivery('${accountId}'::uuid, ${ids})` };
  return {
    inline: undefined,
    run: (manager) => LOCK_FOR_DELIVERY.run(manager, { accountId, deliveryIds }),
  };
}

interface PreparedDelivery {
  accountId: string;
  deliveryId: string;
  receivedAt: Date;
  raw: Buffer;
  envelope: MailArrivedV1['envelope'];
  parsed: ParsedMessage;
  body: StoredBody;
}

const MESSAGE_TYPE = 'message/rfc822';

export interface AccountDeliveryChange {
  accountId: string;
  /** The account's state before. */
  previousModseq: number;
  /**
   * The account's states after this change (`states.modseq` is its state), and its last announced
   * state before it.
   */
  states: AccountStates;
  publishedModseq: number;
  createdEmailIds: string[];
  /** The mailboxes those emails were filed in (the Inbox, when any was created). */
  createdInMailboxIds: string[];
  /** When ingest accepted the earliest message this change stored. */
  acceptedAt: Date;
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
    @Inject(BlobStore) private readonly blobs: BlobStore,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(MailboxMetrics) private readonly metrics: MailboxMetrics,
  ) {}

  async execute(
    events: readonly MailArrivedV1[],
    traceHeaders: ReadonlyMap<string, Record<string, string>> = new Map(),
  ): Promise<StoreDeliveryResult> {
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

    const storeStarted = performance.now();
    // The first account's lock goes with the transaction's BEGIN; every other account's is one
    // statement too. A batch is one account's delivery at the rates a push waits on.
    const idsOf = (accountId: string) => byAccount.get(accountId)!.map((delivery) => delivery.deliveryId);
    const [firstAccount] = accountIds;
    const begun = firstAccount === undefined ? undefined : lockForDelivery(firstAccount, idsOf(firstAccount));
    const changes = await transactionBegunWith(
      this.dataSource,
      'START TRANSACTION',
      begun,
      (manager, firstRows) => this.storeLocked(manager, accountIds, byAccount, firstRows),
    );
    this.metrics.storeSeconds.observe((performance.now() - storeStarted) / 1000);

    const stored = changes.reduce((total, change) => total + change.createdEmailIds.length, 0);
    this.metrics.emailsStored.inc(stored);
    this.metrics.deliveriesAlreadyStored.inc(deliveries.length - stored);

    const origins = new Map<string, ChangeOrigin>();
    for (const [accountId, headers] of traceHeaders) origins.set(accountId, { traceHeaders: headers });
    for (const {
      accountId,
      acceptedAt,
      previousModseq,
      states,
      publishedModseq,
      createdEmailIds,
      createdInMailboxIds,
    } of changes)
      origins.set(accountId, {
        ...origins.get(accountId),
        acceptedAt,
        committed: { previousModseq, publishedModseq, states, createdEmailIds, createdInMailboxIds },
      });
    const published = await this.publisher.publishPending(accountIds, 'delivery', origins);
    this.metrics.deliveryEventsHandled.inc(deliveries.length);
    return { changes, published };
  }

  /**
   * The batch's body, inside its transaction: first every account's lock and its new deliveries,
   * then the raw messages of all of them in one statement, then each account's emails and changes.
   * The first account's lock was read with the BEGIN (`firstRows`) when it could be written out,
   * and the last account's changes go with the COMMIT (`last`) when they can be.
   */
  private async storeLocked(
    manager: EntityManager,
    accountIds: readonly string[],
    byAccount: ReadonlyMap<string, PreparedDelivery[]>,
    firstRows: LockedForDelivery[] | undefined,
  ): Promise<Ending<AccountDeliveryChange[]>> {
    const pending: Array<{
      write: AccountWrite;
      fresh: PreparedDelivery[];
      mailboxes: Map<MailboxRole, string>;
      vacationEnabled: boolean;
    }> = [];
    for (const [index, accountId] of accountIds.entries()) {
      const deliveries = byAccount.get(accountId)!;
      const [row] =
        index === 0 && firstRows !== undefined
          ? firstRows
          : await LOCK_FOR_DELIVERY.run(manager, {
              accountId,
              deliveryIds: deliveries.map((delivery) => delivery.deliveryId),
            });
      if (row === undefined) throw new Error(`account ${accountId}: its lock read no state row`);
      const write = AccountWrite.locked(manager, accountId, row);
      const known = this.freshDeliveries(row, deliveries);
      if (known.fresh.length > 0) pending.push({ write, ...known });
    }
    const deliveriesToStore = pending.flatMap(({ fresh }) => fresh);
    // A batch of one message (every batch, at the rates a push waits on) writes its blob in the
    // email's own statement; a larger one writes all its blobs in one statement first.
    const alone = deliveriesToStore.length === 1 ? deliveriesToStore[0] : undefined;
    const blobs = alone
      ? [BlobStore.describe(alone.raw, MESSAGE_TYPE)]
      : await this.blobs.putMany(
          deliveriesToStore.map((delivery) => ({
            accountId: delivery.accountId,
            data: delivery.raw,
            type: MESSAGE_TYPE,
          })),
          manager,
        );
    const blobOf = new Map(deliveriesToStore.map((delivery, index) => [delivery, blobs[index]!]));

    const changed: AccountDeliveryChange[] = [];
    let last: string | undefined;
    for (const [index, { write, fresh, mailboxes, vacationEnabled }] of pending.entries()) {
      const endsTransaction = index === pending.length - 1;
      const stored = await this.storeForAccount(
        write,
        fresh,
        mailboxes,
        vacationEnabled,
        blobOf,
        alone,
        endsTransaction,
      );
      if (stored) changed.push(stored.change);
      if (endsTransaction) last = stored?.last;
    }
    return { result: changed, last };
  }

  private async prepare(event: MailArrivedV1): Promise<PreparedDelivery> {
    const raw = Buffer.from(event.rawBase64, 'base64');
    const parsed = await parseMessage(raw);
    if (parsed.parseError) {
      this.metrics.messagesStoredUnparsed.inc();
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
      body: storedBody(raw),
      envelope: event.envelope,
    };
  }

  /**
   * The deliveries not stored before (the same event may come again), each once, and the account's
   * mailboxes by role, and whether it is on vacation, from what the account's lock read.
   */
  private freshDeliveries(
    row: LockedForDelivery,
    deliveries: PreparedDelivery[],
  ): { fresh: PreparedDelivery[]; mailboxes: Map<MailboxRole, string>; vacationEnabled: boolean } {
    const seen = new Set(row.known ?? []);
    const fresh = deliveries.filter((delivery) => {
      if (seen.has(delivery.deliveryId)) return false;
      seen.add(delivery.deliveryId);
      return true;
    });
    const mailboxes = new Map(Object.entries(row.roles ?? {}) as Array<[MailboxRole, string]>);
    return { fresh, mailboxes, vacationEnabled: row.vacation_enabled === true };
  }

  private async storeForAccount(
    write: AccountWrite,
    fresh: PreparedDelivery[],
    known: ReadonlyMap<MailboxRole, string>,
    vacationEnabled: boolean,
    blobOf: ReadonlyMap<PreparedDelivery, StoredBlob>,
    /** The delivery whose blob is not written yet: it goes with its email. */
    blobUnwritten: PreparedDelivery | undefined,
    /** Nothing comes after this account: its changes are handed back to go with the COMMIT. */
    endsTransaction: boolean,
  ): Promise<{ change: AccountDeliveryChange; last: string | undefined } | null> {
    const mailboxes = await ensureDefaultMailboxes(write, known);
    const inboxId = mailboxes.get('inbox');
    if (!inboxId)
      throw new Error(`account ${write.accountId} has no inbox after creating the default mailboxes`);

    const filing = { blobs: this.blobs, sentMailboxId: mailboxes.get('sent') };
    const createdEmailIds: string[] = [];
    let acceptedAt = fresh[0]!.receivedAt;
    for (const delivery of fresh) {
      if (delivery.receivedAt < acceptedAt) acceptedAt = delivery.receivedAt;
      const blob = blobOf.get(delivery)!;
      const inserted = await insertEmail(
        write,
        newEmail(delivery.parsed, {
          deliveryId: delivery.deliveryId,
          blobId: blob.blobId,
          size: blob.size,
          receivedAt: delivery.receivedAt,
          mailboxIds: { [inboxId]: true },
          keywords: {},
          body: delivery.body,
        }),
        delivery === blobUnwritten ? { type: MESSAGE_TYPE, data: delivery.raw } : undefined,
      );
      if (inserted) {
        createdEmailIds.push(inserted.id);
        // An enabled VacationResponse may still be outside its dates: replyIfOnVacation decides.
        if (!vacationEnabled) continue;
        await replyIfOnVacation(write, filing, {
          accountId: write.accountId,
          emailId: inserted.id,
          receivedAt: delivery.receivedAt,
          envelope: delivery.envelope,
          headers: () => readHeaders(delivery.raw).headers,
          subject: delivery.parsed.subject,
          messageId: delivery.parsed.messageId,
          references: delivery.parsed.references,
        });
      }
    }
    if (createdEmailIds.length > 0) write.markDelivery();
    if (!write.changedSomething) return null;
    const { after, last } = endsTransaction
      ? await write.commitLast()
      : { after: await write.commit(), last: undefined };
    const change = {
      accountId: write.accountId,
      previousModseq: write.before.modseq,
      states: after,
      publishedModseq: write.publishedBefore,
      createdEmailIds,
      createdInMailboxIds: createdEmailIds.length > 0 ? [inboxId] : [],
      acceptedAt,
    };
    return { change, last };
  }
}
