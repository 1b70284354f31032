import { randomUUID } from 'node:crypto';
import { CORE_CAPABILITY, type Invocation, LIMIT_ERROR, MAIL_CAPABILITY } from '@pushmail/jmap';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../blobs/blob-store.service.js';
import { mailArrivedEvent, mimeEntity, unstorableTextMessage } from '../testing/mail-fixtures.js';
import { type MailboxTestApp, startMailboxApp } from '../testing/mailbox-harness.js';
import { StoreDeliveryUseCase } from '../usecases/store-delivery/store-delivery.usecase.js';
import { JmapService } from './jmap.service.js';

const using = [CORE_CAPABILITY, MAIL_CAPABILITY];
/** Small, so that a few big bodies go past it. */
const MAX_RESPONSE_BYTES = 300_000;

const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** mixed { alternative { text (latin-1), related { html, inline png } }, text "notes.txt", message/rfc822 } */
const nested = mimeEntity(
  'multipart/mixed',
  [
    mimeEntity('multipart/alternative', [
      mimeEntity('text/plain; charset=iso-8859-1', 'Caf=E9 au lait.', [
        'Content-Transfer-Encoding: quoted-printable',
      ]),
      mimeEntity('multipart/related', [
        mimeEntity('text/html; charset=utf-8', '<p>Café <img src="cid:logo@example.org"></p>'),
        mimeEntity('image/png', png.toString('base64'), [
          'Content-Transfer-Encoding: base64',
          'Content-ID: <logo@example.org>',
        ]),
      ]),
    ]),
    mimeEntity('text/plain; name="notes.txt"', 'some notes', [
      'Content-Disposition: attachment; filename="notes.txt"',
    ]),
    mimeEntity('message/rfc822', 'Subject: inner\r\n\r\ninner body'),
  ],
  [
    'From: Ada <ada@example.org>',
    'To: Bob <bob@example.com>',
    'Subject: parts',
    'Message-ID: <parts-1@example.org>',
  ],
);

type Part = { partId: string | null; blobId: string | null; type: string; subParts?: Part[] };

function leavesOf(part: Part): Part[] {
  return part.subParts ? part.subParts.flatMap(leavesOf) : [part];
}

describe(`${JmapService.name} body parts`, () => {
  let harness: MailboxTestApp;
  const accountId = randomUUID();

  const post = async (body: unknown) => {
    const response = await fetch(`${harness.baseUrl}/internal/jmap`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${harness.internalToken}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const call = async (name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const response = await post({
      accountId,
      request: { using, methodCalls: [[name, { accountId, ...args }, 'c']] },
    });
    expect(response.status).toBe(200);
    const [[answered, result]] = response.body['methodResponses'] as [Invocation];
    expect(answered, JSON.stringify(result)).toBe(name);
    return result;
  };
  const deliver = async (raw: string): Promise<string> => {
    const stored = await harness.app.get(StoreDeliveryUseCase).execute([mailArrivedEvent(accountId, raw)]);
    return stored.changes[0]!.createdEmailIds[0]!;
  };
  const getOne = async (id: string, args: Record<string, unknown>) =>
    ((await call('Email/get', { ids: [id], ...args }))['list'] as Array<Record<string, unknown>>)[0]!;

  beforeAll(async () => {
    harness = await startMailboxApp({ JMAP_MAX_RESPONSE_BYTES: String(MAX_RESPONSE_BYTES) });
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('names every part of textBody, htmlBody and attachments by its id and blob in bodyStructure', async () => {
    const id = await deliver(nested);
    const email = await getOne(id, {
      properties: ['bodyStructure', 'textBody', 'htmlBody', 'attachments', 'bodyValues'],
      bodyProperties: ['partId', 'blobId', 'type', 'name', 'size'],
      fetchTextBodyValues: true,
      fetchHTMLBodyValues: true,
    });
    const leaves = leavesOf(email['bodyStructure'] as Part);
    const byId = new Map(leaves.map((part) => [part.partId, part]));
    const lists = ['textBody', 'htmlBody', 'attachments'].map((name) => email[name] as Part[]);
    for (const list of lists) {
      for (const part of list) expect(byId.get(part.partId)).toEqual(part);
    }
    const [textBody, htmlBody, attachments] = lists as [Part[], Part[], Part[]];
    expect(textBody.map((part) => part.type)).toEqual(['text/plain']);
    expect(htmlBody.map((part) => part.type)).toEqual(['text/html']);
    expect(attachments.map((part) => part.type)).toEqual(['image/png', 'text/plain', 'message/rfc822']);

    // What an independent parser reads of the same bytes.
    const blob = await harness.app.get(BlobStore).get(accountId, await blobIdOf(id));
    const independent = await PostalMime.parse(blob!.data, { forceRfc822Attachments: true });
    const values = email['bodyValues'] as Record<string, { value: string }>;
    expect(values[textBody[0]!.partId!]!.value.trim()).toBe(independent.text!.trim());
    expect(values[htmlBody[0]!.partId!]!.value.trim()).toBe(independent.html!.trim());
    const image = await harness.app.get(BlobStore).get(accountId, attachments[0]!.blobId!);
    expect(image?.data.equals(png)).toBe(true);
    expect(attachments.map((part) => part.type)).toEqual(
      independent.attachments.map((file) => file.mimeType),
    );
  });

  it('answers Email/parse with what Email/get answers once the same message is stored', async () => {
    const raw = unstorableTextMessage('parse-as-get');
    const id = await deliver(raw);
    const properties = [
      'subject',
      'from',
      'to',
      'preview',
      'textBody',
      'attachments',
      'bodyValues',
      'hasAttachment',
    ];
    const stored = await getOne(id, { properties, fetchTextBodyValues: true });
    const blobId = await blobIdOf(id);
    const parsed = (await call('Email/parse', { blobIds: [blobId], properties, fetchTextBodyValues: true }))[
      'parsed'
    ] as Record<string, Record<string, unknown>>;
    const { id: _id, ...fromGet } = stored;
    expect(parsed[blobId]).toEqual(fromGet);
    // The values a mail client shows: no lone surrogate, no NUL.
    const text = JSON.stringify(parsed[blobId]);
    expect(text).not.toMatch(/\\u0000|\\ud[89ab]/i);
    expect(JSON.stringify(fromGet)).toContain('\ufffd');
  });

  it('answers limit when body values would make the response larger than the budget', async () => {
    const big = 'x'.repeat(120_000);
    const ids: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      ids.push(
        await deliver(
          ['From: ada@example.org', `Subject: big ${index}`, 'Content-Type: text/plain', '', big, ''].join(
            '\r\n',
          ),
        ),
      );
    }
    const request = (extra: Record<string, unknown>) => ({
      accountId,
      request: {
        using,
        methodCalls: [
          [
            'Email/get',
            { accountId, ids, properties: ['bodyValues'], fetchTextBodyValues: true, ...extra },
            'g',
          ],
        ],
      },
    });
    const refused = await post(request({}));
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      type: LIMIT_ERROR,
      limit: 'maxSizeResponse',
    });

    const truncated = await post(request({ maxBodyValueBytes: 1000 }));
    expect(truncated.status).toBe(200);
    const [[, result]] = truncated.body['methodResponses'] as [Invocation];
    const list = result['list'] as Array<{
      bodyValues: Record<string, { value: string; isTruncated: boolean }>;
    }>;
    expect(list).toHaveLength(4);
    for (const email of list) {
      expect(Object.values(email.bodyValues)).toEqual([
        { value: 'x'.repeat(1000), isEncodingProblem: false, isTruncated: true },
      ]);
    }
  });

  it('refuses a mailbox name with NUL or another control character with invalidProperties, and keeps names in NFC', async () => {
    const bad = ['a\u0000b', 'tab\there', 'c1\u0085', 'line\u2028sep', 'lone\ud800', '', ' '];
    const create = Object.fromEntries(bad.map((name, index) => [`m${index}`, { name }]));
    const answer = await call('Mailbox/set', { create: { ...create, ok: { name: 'Cafe\u0301' } } });
    for (const key of Object.keys(create)) {
      expect((answer['notCreated'] as Record<string, unknown>)[key]).toMatchObject({
        type: 'invalidProperties',
        properties: ['name'],
      });
    }
    const created = (answer['created'] as Record<string, { id: string; name?: string }>)['ok']!;
    expect(created.name).toBe('Caf\u00e9');
    const renamed = await call('Mailbox/set', { update: { [created.id]: { name: 'x\u0000y' } } });
    expect((renamed['notUpdated'] as Record<string, unknown>)[created.id]).toMatchObject({
      type: 'invalidProperties',
      properties: ['name'],
    });
    const [mailbox] = (await call('Mailbox/get', { ids: [created.id], properties: ['name'] }))[
      'list'
    ] as Array<{
      name: string;
    }>;
    expect(mailbox!.name).toBe('Caf\u00e9');
  });

  async function blobIdOf(id: string): Promise<string> {
    return (await getOne(id, { properties: ['blobId'] }))['blobId'] as string;
  }
});
