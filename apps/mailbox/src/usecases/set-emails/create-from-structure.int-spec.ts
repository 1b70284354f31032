import { randomUUID } from 'node:crypto';

import libmime from 'libmime';
import { simpleParser } from 'mailparser';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../../blobs/blob-store.service.js';
import { type MailboxTestApp, startMailboxApp } from '../../testing/mailbox-harness.js';
import { seedAccount } from '../../testing/seeded-account.js';
import { MAX_DRAFT_DEPTH } from './draft-structure.js';
import { SetEmailsUseCase } from './set-emails.usecase.js';

const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

type Part = { partId: string | null; blobId: string | null; type: string; name?: string; subParts?: Part[] };

describe(`${SetEmailsUseCase.name} with bodyStructure`, () => {
  let harness: MailboxTestApp;
  const accountId = randomUUID();
  let draftsId: string;

  const call = (name: string, args: Record<string, unknown>) => harness.jmapMethod(accountId, name, args);
  const upload = (data: Buffer, type: string) => harness.uploadBlob(accountId, data, type);
  const create = async (email: Record<string, unknown>) => {
    const answer = await call('Email/set', { create: { k: { mailboxIds: { [draftsId]: true }, ...email } } });
    return {
      created: (answer['created'] as Record<string, { id: string; blobId: string }> | undefined)?.['k'],
      error: (answer['notCreated'] as Record<string, Record<string, unknown>> | undefined)?.['k'],
    };
  };

  beforeAll(async () => {
    harness = await startMailboxApp();
    draftsId = (await seedAccount(harness, accountId, 'first')).roles['drafts']!;
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('stores a draft with the tree it was given, read back the same by Email/get and by another parser', async () => {
    const image = await upload(png, 'image/png');
    const { created, error } = await create({
      from: [{ name: 'Ada Lövelace', email: 'ada@example.org' }],
      to: [{ email: 'bob@example.com' }],
      subject: 'Café with a picture',
      bodyStructure: {
        type: 'multipart/mixed',
        subParts: [
          {
            type: 'multipart/alternative',
            subParts: [
              { partId: 'text', type: 'text/plain' },
              {
                type: 'multipart/related',
                subParts: [
                  { partId: 'html', type: 'text/html' },
                  { blobId: image, type: 'image/png', cid: 'logo@example.org', disposition: 'inline' },
                ],
              },
            ],
          },
          { blobId: image, type: 'image/png', name: 'logo.png', disposition: 'attachment', language: ['en'] },
        ],
      },
      bodyValues: {
        text: { value: 'Grüße, Bob\nline two' },
        html: { value: '<p>Grüße, Bob <img src="cid:logo@example.org"></p>' },
      },
    });
    expect(error).toBeUndefined();
    const [email] = (
      await call('Email/get', {
        ids: [created!.id],
        properties: ['subject', 'from', 'bodyStructure', 'textBody', 'htmlBody', 'attachments', 'bodyValues'],
        bodyProperties: ['partId', 'blobId', 'type', 'name', 'cid', 'disposition', 'language'],
        fetchAllBodyValues: true,
      })
    )['list'] as Array<Record<string, unknown>>;
    expect(email!['subject']).toBe('Café with a picture');
    expect(email!['from']).toEqual([{ name: 'Ada Lövelace', email: 'ada@example.org' }]);
    const root = email!['bodyStructure'] as Part;
    const shape = (part: Part): unknown =>
      part.subParts ? [part.type, part.subParts.map(shape)] : part.type;
    expect(shape(root)).toEqual([
      'multipart/mixed',
      [
        ['multipart/alternative', ['text/plain', ['multipart/related', ['text/html', 'image/png']]]],
        'image/png',
      ],
    ]);
    expect(email!['attachments']).toMatchObject([
      { type: 'image/png', cid: 'logo@example.org', disposition: 'inline' },
      { type: 'image/png', name: 'logo.png', disposition: 'attachment', language: ['en'] },
    ]);
    const values = email!['bodyValues'] as Record<string, { value: string }>;
    const [text] = email!['textBody'] as Part[];
    expect(values[text!.partId!]!.value).toBe('Grüße, Bob\r\nline two');

    const stored = await harness.app.get(BlobStore).get(accountId, created!.blobId);
    const independent = await PostalMime.parse(stored!.data);
    expect(independent.subject).toBe('Café with a picture');
    expect(independent.text?.trim()).toBe('Grüße, Bob\nline two');
    expect(
      independent.attachments.map((file) => Buffer.from(file.content as ArrayBuffer).equals(png)),
    ).toEqual([true, true]);
  });

  it('composes textBody and htmlBody from uploaded blobs', async () => {
    const text = await upload(Buffer.from('from a blob: Grüße'), 'text/plain');
    const { created, error } = await create({
      subject: 'bodies from blobs',
      textBody: [{ blobId: text, type: 'text/plain' }],
      htmlBody: [{ partId: 'h', type: 'text/html' }],
      bodyValues: { h: { value: '<p>html</p>' } },
    });
    expect(error).toBeUndefined();
    const [email] = (
      await call('Email/get', {
        ids: [created!.id],
        properties: ['textBody', 'bodyValues'],
        fetchTextBodyValues: true,
      })
    )['list'] as Array<{ textBody: Part[]; bodyValues: Record<string, { value: string }> }>;
    expect(email!.bodyValues[email!.textBody[0]!.partId!]!.value).toBe('from a blob: Grüße');
  });

  it('writes header:* properties of the Email and of its parts, read back the same by Email/get and by another parser', async () => {
    const long = 'Grüße aus Köln, '.repeat(12).trim();
    const given = {
      'header:Subject:asText': long,
      'header:X-Mood:asText': 'Ça va',
      'header:Resent-To:asAddresses': [{ name: 'Zoë Ünal', email: 'zoe@example.org' }],
      'header:X-Teams:asGroupedAddresses': [
        { name: 'Team, A', addresses: [{ name: null, email: 'a@example.org' }] },
      ],
      'header:List-Archive:asURLs': ['https://example.org/archive'],
      'header:X-Ref:asMessageIds': ['one@example.org', 'two@example.org'],
      'header:X-When:asDate': '2026-01-02T03:04:05Z',
      'header:X-Raw': ' as given',
      'header:X-Tag:asText:all': ['first', 'second'],
    };
    const { created, error } = await create({
      ...given,
      // The message id a header property gives replaces the one the server would make up.
      'header:Message-ID:asMessageIds': ['given@example.org'],
      bodyStructure: {
        type: 'multipart/mixed',
        subParts: [
          { partId: 't', type: 'text/plain', 'header:X-Part-Note:asText': 'Ünïcode part' },
          {
            blobId: await upload(png, 'image/png'),
            type: 'image/png',
            'header:Content-Description:asText': 'a tiny picture',
          },
        ],
      },
      bodyValues: { t: { value: 'body' } },
    });
    expect(error).toBeUndefined();
    const [email] = (
      await call('Email/get', {
        ids: [created!.id],
        properties: [...Object.keys(given), 'messageId', 'bodyStructure'],
        bodyProperties: [
          'type',
          'header:X-Part-Note:asText',
          'header:Content-Description:asText',
          'subParts',
        ],
      })
    )['list'] as Array<Record<string, unknown>>;
    expect(email).toMatchObject({ ...given, messageId: ['given@example.org'] });
    expect((email!['bodyStructure'] as { subParts: unknown[] }).subParts).toMatchObject([
      { type: 'text/plain', 'header:X-Part-Note:asText': 'Ünïcode part' },
      { type: 'image/png', 'header:Content-Description:asText': 'a tiny picture' },
    ]);

    const stored = (await harness.app.get(BlobStore).get(accountId, created!.blobId))!.data;
    const head = stored.subarray(0, stored.indexOf('\r\n\r\n')).toString('latin1');
    expect(head).toMatch(/^Subject: =\?UTF-8\?Q\?[\x21-\x7e]+\?=\r\n /m);
    expect(head.split('\r\n').every((line) => line.length <= 78 && /^[\x20-\x7e\t]*$/.test(line))).toBe(true);
    expect(head.match(/^Message-ID:/gim)).toHaveLength(1);
    const independent = await simpleParser(stored);
    expect(independent.subject).toBe(long);
    expect(libmime.decodeWords(independent.headers.get('x-mood') as string)).toBe('Ça va');
    expect(independent.headers.get('x-tag')).toEqual(['first', 'second']);
    expect(libmime.decodeWords(independent.headers.get('resent-to') as string)).toBe(
      'Zoë Ünal <zoe@example.org>',
    );
    expect(independent.headers.get('x-when')).toBe('Fri, 02 Jan 2026 03:04:05 +0000');
    expect(independent.messageId).toBe('<given@example.org>');
  });

  it('writes header:* properties of a create made of textBody and htmlBody', async () => {
    const { created, error } = await create({
      'header:X-Simple:asText': 'Ja, genau',
      'header:List-Post:asURLs': ['mailto:list@example.org'],
      textBody: [{ partId: 't', type: 'text/plain' }],
      htmlBody: [{ partId: 'h', type: 'text/html' }],
      bodyValues: { t: { value: 'plain' }, h: { value: '<p>html</p>' } },
    });
    expect(error).toBeUndefined();
    const [email] = (
      await call('Email/get', {
        ids: [created!.id],
        properties: [
          'header:X-Simple:asText',
          'header:List-Post:asURLs',
          'textBody',
          'htmlBody',
          'bodyValues',
        ],
        fetchAllBodyValues: true,
      })
    )['list'] as Array<Record<string, unknown> & { bodyValues: Record<string, { value: string }> }>;
    expect(email).toMatchObject({
      'header:X-Simple:asText': 'Ja, genau',
      'header:List-Post:asURLs': ['mailto:list@example.org'],
    });
    expect(Object.values(email!.bodyValues).map((body) => body.value)).toEqual(['plain', '<p>html</p>']);
  });

  it("takes a part's own header:Content-Type for its type and parameters, one field per part (RFC 8621 §4.6)", async () => {
    const invite = Buffer.from('BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n');
    const { created, error } = await create({
      subject: 'an invitation',
      bodyStructure: {
        'header:Content-Type': ' multipart/alternative; boundary="picked-by-the-client"',
        subParts: [
          { partId: 't', 'header:Content-Type:asText': 'text/plain; format=flowed' },
          {
            blobId: await upload(invite, 'text/calendar'),
            'header:Content-Type': ' text/calendar; method=REQUEST; charset=utf-8',
          },
        ],
      },
      bodyValues: { t: { value: 'You are invited.' } },
    });
    expect(error).toBeUndefined();
    const [email] = (
      await call('Email/get', {
        ids: [created!.id],
        properties: ['bodyStructure'],
        bodyProperties: ['type', 'charset', 'header:Content-Type:all', 'subParts'],
      })
    )['list'] as Array<{
      bodyStructure: Record<string, unknown> & { subParts: Array<Record<string, unknown>> };
    }>;
    expect(email!.bodyStructure.type).toBe('multipart/alternative');
    expect(email!.bodyStructure.subParts).toMatchObject([
      { type: 'text/plain', charset: 'utf-8' },
      { type: 'text/calendar', charset: 'utf-8' },
    ]);
    for (const part of [email!.bodyStructure, ...email!.bodyStructure.subParts])
      expect(part['header:Content-Type:all'], JSON.stringify(part)).toHaveLength(1);

    const stored = (await harness.app.get(BlobStore).get(accountId, created!.blobId))!.data;
    const independent = await simpleParser(stored);
    expect(independent.text?.trim()).toBe('You are invited.');
    const calendar = independent.attachments.find((file) => file.contentType === 'text/calendar');
    expect(calendar?.content.toString()).toBe(invite.toString());
    const types = [...stored.toString('latin1').matchAll(/^Content-Type:(.*(?:\r\n[ \t].*)*)/gim)].map(
      ([, value]) => libmime.parseHeaderValue(value!.replace(/\r\n[ \t]/g, ' ')),
    );
    expect(types.map((type) => [type.value, type.params])).toEqual([
      ['multipart/alternative', { boundary: expect.not.stringContaining('picked-by-the-client') }],
      ['text/plain', { charset: 'utf-8', format: 'flowed' }],
      ['text/calendar', { charset: 'utf-8', method: 'REQUEST' }],
    ]);
  });

  it('refuses header:* properties RFC 8621 §4.6 does not allow, naming them', async () => {
    const refusals: Array<[Record<string, unknown>, string[]]> = [
      [{ 'header:X\u0001Bad': 'x', 'header:X-Fine': 'x' }, ['header:X\u0001Bad']],
      [{ 'header:Bad:Name:asText': 'x' }, ['header:Bad:Name:asText']],
      [{ subject: 'twice', 'header:Subject:asText': 'twice' }, ['header:Subject:asText', 'subject']],
      [
        { sentAt: '2026-01-01T00:00:00Z', 'header:Date:asDate': '2026-01-01T00:00:00Z' },
        ['header:Date:asDate', 'sentAt'],
      ],
      [{ 'header:Content-Type': ' text/html' }, ['header:Content-Type']],
      [{ 'header:From:asText': 'x' }, ['header:From:asText']],
      [{ 'header:X-When:asDate': 'yesterday' }, ['header:X-When:asDate']],
      [{ 'header:X-Raw': 'injected\r\nBcc: someone@example.org' }, ['header:X-Raw']],
      [
        {
          'header:X-Both:asText': 'top',
          bodyStructure: { partId: 't', type: 'text/plain', 'header:X-Both:asText': 'part' },
          bodyValues: { t: { value: 'x' } },
        },
        ['bodyStructure'],
      ],
    ];
    for (const [email, properties] of refusals) {
      const { error } = await create(email);
      expect(error, JSON.stringify(email)).toMatchObject({ type: 'invalidProperties', properties });
    }
    const partRefusals = [
      { partId: 't', type: 'text/plain', 'header:Content-Transfer-Encoding': ' base64' },
      { partId: 't', type: 'text/plain', 'header:Content-Type': ' text/html' },
      { partId: 't', type: 'text/plain', disposition: 'inline', 'header:Content-Disposition': ' inline' },
      { partId: 't', type: 'text/plain', 'header:X\u007fBad:asText': 'x' },
    ];
    for (const bodyStructure of partRefusals) {
      const { error } = await create({ bodyStructure, bodyValues: { t: { value: 'x' } } });
      expect(error, JSON.stringify(bodyStructure)).toMatchObject({
        type: 'invalidProperties',
        properties: ['bodyStructure'],
      });
    }
  });

  it('answers blobNotFound, invalidProperties and tooLarge as RFC 8621 §4.6 says', async () => {
    const missing = await create({
      bodyStructure: { type: 'multipart/mixed', subParts: [{ blobId: 'Gnothere', type: 'image/png' }] },
    });
    expect(missing.error).toMatchObject({ type: 'blobNotFound', notFound: ['Gnothere'] });

    let deep: Record<string, unknown> = { partId: 't', type: 'text/plain' };
    for (let level = 0; level <= MAX_DRAFT_DEPTH + 1; level += 1)
      deep = { type: 'multipart/mixed', subParts: [deep] };
    const hostile: Array<Record<string, unknown>> = [
      { bodyStructure: deep, bodyValues: { t: { value: 'x' } } },
      {
        bodyStructure: {
          type: 'multipart/mixed',
          subParts: Array.from({ length: 1000 }, () => ({ partId: 't', type: 'text/plain' })),
        },
        bodyValues: { t: { value: 'x' } },
      },
      { bodyStructure: { partId: 'nothing', type: 'text/plain' } },
      { bodyStructure: { partId: 't', type: 'image/png' }, bodyValues: { t: { value: 'x' } } },
      {
        bodyStructure: {
          partId: 't',
          type: 'text/plain',
          headers: [{ name: 'Content-Transfer-Encoding', value: 'x' }],
        },
        bodyValues: { t: { value: 'x' } },
      },
      {
        bodyStructure: { partId: 't', type: 'text/plain' },
        bodyValues: { t: { value: 'x', isTruncated: true } },
      },
      { bodyStructure: { partId: 't', blobId: 'Gx', type: 'text/plain' }, bodyValues: { t: { value: 'x' } } },
      { bodyStructure: { type: 'multipart/mixed', subParts: [] } },
      { bodyStructure: { blobId: 'Gx', type: 'image/png', name: 'a\u0000b' } },
      { bodyStructure: { blobId: 'Gx', type: 'not a type' } },
      { bodyStructure: { partId: 't' }, textBody: [{ partId: 't' }], bodyValues: { t: { value: 'x' } } },
    ];
    for (const email of hostile) {
      const { error } = await create(email);
      expect(error, JSON.stringify(email).slice(0, 200)).toMatchObject({ type: 'invalidProperties' });
      expect(error!['properties']).toContain('bodyStructure');
    }

    const big = await upload(Buffer.alloc(30_000_000, 1), 'application/octet-stream');
    const tooLarge = await create({
      bodyStructure: {
        type: 'multipart/mixed',
        subParts: [
          { blobId: big, type: 'application/octet-stream' },
          { blobId: big, type: 'application/octet-stream' },
        ],
      },
    });
    expect(tooLarge.error).toMatchObject({ type: 'tooLarge' });
  });
});
