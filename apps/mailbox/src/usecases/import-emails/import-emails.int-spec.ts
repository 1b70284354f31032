import { randomUUID } from 'node:crypto';
import type { Invocation } from '@pushmail/jmap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstorableTextMessage } from '../../testing/mail-fixtures.js';
import { type MailboxTestApp, startMailboxApp } from '../../testing/mailbox-harness.js';
import { seedAccount } from '../../testing/seeded-account.js';
import { ImportEmailsUseCase } from './import-emails.usecase.js';

describe(ImportEmailsUseCase.name, () => {
  let harness: MailboxTestApp;
  const accountId = randomUUID();
  let inboxId: string;

  const call = (methodCalls: Invocation[]) => harness.jmap(accountId, methodCalls);
  const upload = (data: Buffer) => harness.uploadBlob(accountId, data, 'message/rfc822');

  beforeAll(async () => {
    harness = await startMailboxApp();
    // The account and its mailboxes come with its first delivery.
    inboxId = (await seedAccount(harness, accountId, 'first')).roles['inbox']!;
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('imports a message whose names decode to lone surrogates and NULs, shown as a mail client shows them', async () => {
    const raw = Buffer.from(unstorableTextMessage('imported'));
    const blobId = await upload(raw);

    const [[name, imported]] = (await call([
      ['Email/import', { accountId, emails: { one: { blobId, mailboxIds: { [inboxId]: true } } } }, 'i'],
    ])) as [Invocation];

    expect(name).toBe('Email/import');
    const created = (imported['created'] as Record<string, { id: string; blobId: string }>)['one']!;
    expect(created.blobId).toBe(blobId);
    const [[, got]] = (await call([
      [
        'Email/get',
        { accountId, ids: [created.id], properties: ['subject', 'from', 'to', 'attachments', 'preview'] },
        'g',
      ],
    ])) as [Invocation];
    expect((got['list'] as unknown[])[0]).toMatchObject({
      subject: 'imported \ufffd',
      from: [{ name: '\ufffd', email: 'ada@example.org' }],
      to: [
        { name: '\ufffd', email: 'bob@example.com' },
        { name: 'NulName', email: 'carol@example.com' },
      ],
      attachments: [{ name: '\ufffd.bin' }],
      preview: 'body with a NUL  in it',
    });
    const download = await harness.internal(`/internal/blobs/${accountId}/${blobId}`);
    expect(Buffer.from(await download.arrayBuffer()).equals(raw)).toBe(true);
  });
});
