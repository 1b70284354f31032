import { randomUUID } from 'node:crypto';
import type { Invocation } from '@pushmail/jmap';
import { expectEventually } from '@pushmail/testing';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../blobs/blob-store.service.js';
import { MAX_PART_DEPTH, type PartFields } from '../mime/body-structure.js';
import { mailArrivedEvent } from '../testing/mail-fixtures.js';
import { type MailboxTestApp, startMailboxApp } from '../testing/mailbox-harness.js';
import { StoreDeliveryUseCase } from '../usecases/store-delivery/store-delivery.usecase.js';
import { DEFAULT_BODY_PART_PROPERTIES, DEFAULT_EMAIL_PROPERTIES } from './methods/email-view.js';
import { JmapService } from './jmap.service.js';

const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const pdf = Buffer.from('%PDF-1.4\n% a tiny document\n%%EOF\n');

/** multipart/mixed { alternative { text (latin-1, QP), related { html (base64), inline png } }, pdf, message/rfc822 } */
const nested = Buffer.concat([
  Buffer.from(
    [
      'From: =?utf-8?q?Ada_L=C3=B6velace?= <ada@example.org>',
      'To: Bob <bob@example.com>, team: carol@example.com, Dan <dan@example.com>;',
      'Cc: eve@example.net',
      'Subject: =?iso-8859-1?q?R=E9sum=E9?= of the',
      '  quarter',
      'Message-ID: <nested-1@example.org>',
      'References: <a@example.org> <b@example.org>',
      'List-Unsubscribe: <mailto:leave@example.org>, <https://example.org/leave?id=1>',
      'X-Trace: first',
      'X-Trace: second',
      'Date: Tue, 03 Mar 2026 10:14:59 +0100',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="outer"',
      '',
      'preamble is not a part',
      '--outer',
      'Content-Type: multipart/alternative; boundary="alt"',
      '',
      '--alt',
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
      'Content-Language: fr, en',
      '',
      'Caf=E9 au lait, s=27il vous pla=EEt.',
      '--alt',
      'Content-Type: multipart/related; boundary="rel"',
      '',
      '--rel',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('<p>Café <img src="cid:logo@example.org"></p>').toString('base64'),
      '--rel',
      'Content-Type: image/png',
      'Content-Transfer-Encoding: base64',
      'Content-ID: <logo@example.org>',
      'Content-Disposition: inline',
      'Content-Location: https://example.org/logo.png',
      '',
      png.toString('base64'),
      '--rel--',
      '--alt--',
      '--outer',
      "Content-Type: application/pdf; name*=utf-8''r%C3%A9sum%C3%A9.pdf",
      'Content-Disposition: attachment',
      'Content-Transfer-Encoding: base64',
      '',
      pdf.toString('base64'),
      '--outer',
      'Content-Type: message/rfc822',
      'Content-Disposition: attachment; filename="forwarded.eml"',
      '',
      'From: carol@example.com',
      'Subject: inner',
      'Content-Type: multipart/alternative; boundary="inner"',
      '',
      '--inner',
      'Content-Type: text/plain',
      '',
      'inner text',
      '--inner--',
      '--outer--',
      'epilogue',
      '',
    ].join('\r\n'),
    'utf8',
  ),
]);

/** Broken encodings and charsets: bad base64, UTF-8 declared on Latin-1 bytes, an unknown charset, KOI8-R. */
const broken = Buffer.concat([
  Buffer.from(
    [
      'From: ada@example.org',
      'Subject: broken',
      'X-Note: naïve café \\ back',
      'Content-Type: multipart/mixed; boundary=b',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      `${Buffer.from('base64 with junk').toString('base64')}!!**`,
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      '',
    ].join('\r\n'),
  ),
  Buffer.from('caf\xe9 in latin-1\r\n', 'latin1'),
  Buffer.from(
    ['--b', 'Content-Type: text/plain; charset=x-no-such-charset', '', 'plain words', '--b', ''].join('\r\n'),
  ),
  Buffer.from('Content-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'),
  Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]),
  Buffer.from('\r\n--b--\r\n'),
]);

/** Multiparts nested far deeper than the cap. */
function deeplyNested(depth: number): Buffer {
  const lines = ['From: ada@example.org', 'Subject: deep'];
  for (let level = 0; level < depth; level += 1) {
    lines.push(`Content-Type: multipart/mixed; boundary="d${level}"`, '', `--d${level}`);
  }
  lines.push('Content-Type: text/plain', '', 'at the bottom');
  for (let level = depth - 1; level >= 0; level -= 1) lines.push(`--d${level}--`);
  return Buffer.from(lines.join('\r\n'));
}

/** A part as Email/get answers it with every default body property. */
interface Part extends PartFields {
  partId: string | null;
  blobId: string | null;
  size: number;
  subParts?: Part[] | null;
}

function leaves(part: Part): Part[] {
  return part.subParts ? part.subParts.flatMap(leaves) : [part];
}

function depthOf(part: Part): number {
  return part.subParts && part.subParts.length > 0 ? 1 + Math.max(...part.subParts.map(depthOf)) : 0;
}

describe(JmapService.name, () => {
  let harness: MailboxTestApp;
  const alice = randomUUID();
  const ids: Record<string, string> = {};

  const call = (methodCalls: Invocation[]) => harness.jmap(alice, methodCalls);
  const getEmail = async (id: string, args: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const [[name, result]] = (await call([['Email/get', { accountId: alice, ids: [id], ...args }, 'g']])) as [
      Invocation,
    ];
    expect(name).toBe('Email/get');
    return (result['list'] as Array<Record<string, unknown>>)[0]!;
  };
  const download = async (blobId: string): Promise<Buffer> => {
    const blob = await harness.app.get(BlobStore).get(alice, blobId);
    expect(blob).toBeDefined();
    return blob!.data;
  };

  beforeAll(async () => {
    harness = await startMailboxApp();
    const messages = { nested, broken, deep: deeplyNested(200) };
    for (const [key, raw] of Object.entries(messages)) {
      const event = {
        ...mailArrivedEvent(alice, ''),
        sizeBytes: raw.length,
        rawBase64: raw.toString('base64'),
      };
      const result = await harness.app.get(StoreDeliveryUseCase).execute([event]);
      ids[key] = result.changes[0]!.createdEmailIds[0]!;
    }
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('answers bodyStructure as the tree of every part, with what an independent parser reads from the same bytes', async () => {
    const email = await getEmail(ids['nested']!, {
      properties: ['bodyStructure', 'bodyValues'],
      bodyProperties: DEFAULT_BODY_PART_PROPERTIES,
      fetchAllBodyValues: true,
    });
    const root = email['bodyStructure'] as Part;
    expect(root.type).toBe('multipart/mixed');
    expect(root.partId).toBeNull();
    expect(root.subParts!.map((part) => part.type)).toEqual([
      'multipart/alternative',
      'application/pdf',
      'message/rfc822',
    ]);
    const alternative = root.subParts![0]!;
    expect(alternative.subParts!.map((part) => part.type)).toEqual(['text/plain', 'multipart/related']);
    expect(depthOf(root)).toBe(3);

    const parts = leaves(root);
    expect(parts.map((part) => part.type)).toEqual([
      'text/plain',
      'text/html',
      'image/png',
      'application/pdf',
      'message/rfc822',
    ]);
    expect(new Set(parts.map((part) => part.partId)).size).toBe(parts.length);
    const [text, html, image, attachment, forwarded] = parts as [Part, Part, Part, Part, Part];
    expect(text).toMatchObject({ charset: 'iso-8859-1', language: ['fr', 'en'], disposition: null });
    expect(image).toMatchObject({
      cid: 'logo@example.org',
      disposition: 'inline',
      location: 'https://example.org/logo.png',
      charset: null,
    });
    expect(attachment.name).toBe('résumé.pdf');
    expect(forwarded).toMatchObject({ name: 'forwarded.eml', disposition: 'attachment' });
    expect(forwarded.subParts).toBeUndefined();

    const independent = await PostalMime.parse(nested, { forceRfc822Attachments: true });
    const values = email['bodyValues'] as Record<string, { value: string; isEncodingProblem: boolean }>;
    expect(values[text.partId!]).toEqual({
      value: independent.text!.replace(/\n$/, ''),
      isEncodingProblem: false,
      isTruncated: false,
    });
    expect(values[html.partId!]!.value).toBe(independent.html);
    // Every attachment the independent parser finds is a leaf here, with the same bytes behind its blobId.
    expect(independent.attachments).toHaveLength(3);
    for (const found of independent.attachments) {
      const part = parts.find((candidate) => candidate.type === found.mimeType)!;
      expect(part).toBeDefined();
      const bytes = Buffer.from(found.content as ArrayBuffer);
      const downloaded = await download(part.blobId!);
      expect(downloaded.length).toBe(part.size);
      if (found.mimeType === 'message/rfc822') {
        // The independent parser hands out an attached message with its line ends made LF; the
        // blob is the octets as they are in the message (RFC 8621 §4.1.4).
        const lf = (data: Buffer): string => data.toString('utf8').replace(/\r\n/g, '\n').trimEnd();
        expect(lf(downloaded)).toBe(lf(bytes));
      } else {
        expect(downloaded.equals(bytes)).toBe(true);
      }
      if (found.contentId) expect(`<${part.cid}>`).toBe(found.contentId);
      if (found.filename) expect(part.name).toBe(found.filename);
    }
  });

  it('truncates body values to maxBodyValueBytes and says so', async () => {
    const email = await getEmail(ids['nested']!, {
      properties: ['bodyValues'],
      fetchAllBodyValues: true,
      maxBodyValueBytes: 4,
    });
    const values = Object.values(
      email['bodyValues'] as Record<string, { value: string; isTruncated: boolean }>,
    );
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) {
      expect(Buffer.byteLength(value.value)).toBeLessThanOrEqual(4);
      expect(value.isTruncated).toBe(true);
    }
  });

  it('flags isEncodingProblem for bad base64, bytes the charset cannot read and unknown charsets, and decodes other charsets', async () => {
    const email = await getEmail(ids['broken']!, {
      properties: ['bodyStructure', 'bodyValues'],
      fetchAllBodyValues: true,
    });
    const parts = leaves(email['bodyStructure'] as Part);
    const values = email['bodyValues'] as Record<string, { value: string; isEncodingProblem: boolean }>;
    expect(parts.map((part) => part.charset)).toEqual(['utf-8', 'utf-8', 'x-no-such-charset', 'koi8-r']);
    const [badBase64, latin1, unknown, koi8] = parts.map((part) => values[part.partId!]!);
    expect(badBase64!.isEncodingProblem).toBe(true);
    expect(badBase64!.value).toContain('base64 with junk');
    expect(latin1!.isEncodingProblem).toBe(true);
    expect(unknown).toEqual({ value: 'plain words', isEncodingProblem: true, isTruncated: false });
    expect(koi8).toEqual({ value: 'Привет', isEncodingProblem: false, isTruncated: false });

    const independent = await PostalMime.parse(broken);
    expect(independent.text).toContain('Привет');
  });

  it('caps the nesting of a deeply nested message and still answers', async () => {
    const email = await getEmail(ids['deep']!, { properties: ['bodyStructure', 'subject'] });
    expect(email['subject']).toBe('deep');
    const root = email['bodyStructure'] as Part;
    expect(depthOf(root)).toBeLessThanOrEqual(MAX_PART_DEPTH);
    expect(root.type).toBe('multipart/mixed');
  });

  it('answers header:{name} properties in every form, for the last field or :all of them', async () => {
    const independent = await PostalMime.parse(nested);
    const email = await getEmail(ids['nested']!, {
      properties: [
        'header:Subject:asText',
        'header:subject',
        'header:From:asAddresses',
        'header:To:asGroupedAddresses',
        'header:Message-ID:asMessageIds',
        'header:References:asMessageIds',
        'header:Date:asDate',
        'header:List-Unsubscribe:asURLs',
        'header:X-Trace',
        'header:X-Trace:all',
        'header:X-Trace:asText:all',
        'header:X-Missing',
        'header:X-Missing:all',
        'headers',
      ],
    });
    expect(email['header:Subject:asText']).toBe(independent.subject);
    expect(email['header:Subject:asText']).toBe('Résumé of the  quarter');
    expect(email['header:subject']).toBe(' =?iso-8859-1?q?R=E9sum=E9?= of the\r\n  quarter');
    const from = independent.from as { name: string; address: string };
    expect(email['header:From:asAddresses']).toEqual([{ name: from.name, email: from.address }]);
    expect(email['header:To:asGroupedAddresses']).toEqual([
      { name: null, addresses: [{ name: 'Bob', email: 'bob@example.com' }] },
      {
        name: 'team',
        addresses: [
          { name: null, email: 'carol@example.com' },
          { name: 'Dan', email: 'dan@example.com' },
        ],
      },
    ]);
    expect(email['header:Message-ID:asMessageIds']).toEqual([independent.messageId!.replace(/[<>]/g, '')]);
    expect(email['header:References:asMessageIds']).toEqual(['a@example.org', 'b@example.org']);
    expect(email['header:Date:asDate']).toBe(new Date(independent.date!).toISOString().replace('.000Z', 'Z'));
    expect(email['header:List-Unsubscribe:asURLs']).toEqual([
      'mailto:leave@example.org',
      'https://example.org/leave?id=1',
    ]);
    expect(email['header:X-Trace']).toBe(' second');
    expect(email['header:X-Trace:all']).toEqual([' first', ' second']);
    expect(email['header:X-Trace:asText:all']).toEqual(['first', 'second']);
    expect(email['header:X-Missing']).toBeNull();
    expect(email['header:X-Missing:all']).toEqual([]);
    const headers = email['headers'] as Array<{ name: string; value: string }>;
    expect(headers.map((header) => header.name.toLowerCase())).toEqual(
      independent.headers.map((header) => header.key),
    );
  });

  it('answers header properties on body parts', async () => {
    const email = await getEmail(ids['nested']!, {
      properties: ['bodyStructure'],
      bodyProperties: ['partId', 'type', 'header:Content-Type', 'header:Content-ID:asMessageIds'],
    });
    const image = leaves(email['bodyStructure'] as Part).find(
      (part) => part.type === 'image/png',
    ) as unknown as Record<string, unknown>;
    expect(image['header:Content-Type']).toBe(' image/png');
    expect(image['header:Content-ID:asMessageIds']).toEqual(['logo@example.org']);
  });

  it('filters Email/query by header: the field present, or its value containing a string', async () => {
    const query = async (header: unknown): Promise<Invocation> => {
      const [response] = await call([['Email/query', { accountId: alice, filter: { header } }, 'q']]);
      return response!;
    };
    const matches = async (header: unknown): Promise<string[]> => {
      const [name, result] = await query(header);
      expect(name).toBe('Email/query');
      return (result['ids'] as string[]).sort();
    };
    expect(await matches(['X-Trace'])).toEqual([ids['nested']]);
    expect(await matches(['x-trace', 'SECOND'])).toEqual([ids['nested']]);
    expect(await matches(['X-Trace', 'third'])).toEqual([]);
    expect(await matches(['Subject'])).toEqual([ids['nested'], ids['broken'], ids['deep']].sort());
    expect(await matches(['Subject', 'of the quarter'])).toEqual([ids['nested']]);
    expect(await matches(['X-Note', 'café'])).toEqual([ids['broken']]);
    expect(await matches(['X-Note', '\\ back'])).toEqual([ids['broken']]);
    expect(await matches(['X-Note', '%'])).toEqual([]);
    // Content-Type of a body part is not a header field of the message.
    expect(await matches(['Content-ID'])).toEqual([]);
    for (const bad of [[], ['X-A\u0000'], ['X A'], ['Subject', 1], ['a', 'b', 'c'], 'Subject']) {
      const [name, result] = await query(bad);
      expect(name).toBe('error');
      expect(result['type']).toBe('invalidArguments');
    }
  });

  it('answers bodyStructure and header properties from Email/parse too', async () => {
    const stored = await getEmail(ids['nested']!, { properties: ['blobId', 'bodyStructure'] });
    const blobId = stored['blobId'] as string;
    const [[name, result]] = (await call([
      [
        'Email/parse',
        { accountId: alice, blobIds: [blobId], properties: ['bodyStructure', 'header:Subject:asText'] },
        'p',
      ],
    ])) as [Invocation];
    expect(name).toBe('Email/parse');
    const parsed = (result['parsed'] as Record<string, Record<string, unknown>>)[blobId]!;
    expect(parsed['header:Subject:asText']).toBe('Résumé of the  quarter');
    expect(parsed['bodyStructure']).toEqual(stored['bodyStructure']);
  });

  it('copies blobs with Blob/copy within the account and answers fromAccountNotFound for any other', async () => {
    const email = await getEmail(ids['nested']!, { properties: ['blobId', 'bodyStructure'] });
    const image = leaves(email['bodyStructure'] as Part).find((part) => part.type === 'image/png')!;
    const messageBlobId = email['blobId'] as string;
    const missing = `B${'0'.repeat(64)}`;
    const [[name, result]] = (await call([
      [
        'Blob/copy',
        { fromAccountId: alice, accountId: alice, blobIds: [messageBlobId, image.blobId, missing] },
        'c',
      ],
    ])) as [Invocation];
    expect(name).toBe('Blob/copy');
    expect(result).toMatchObject({ fromAccountId: alice, accountId: alice });
    const copied = result['copied'] as Record<string, string>;
    expect(copied[messageBlobId]).toBe(messageBlobId);
    expect((await download(copied[image.blobId!]!)).equals(png)).toBe(true);
    expect(result['notCopied']).toEqual({ [missing]: expect.objectContaining({ type: 'blobNotFound' }) });

    const [[otherName, other]] = (await call([
      ['Blob/copy', { fromAccountId: randomUUID(), accountId: alice, blobIds: [messageBlobId] }, 'c'],
    ])) as [Invocation];
    expect(otherName).toBe('error');
    expect(other['type']).toBe('fromAccountNotFound');
    const [[toName, to]] = (await call([
      ['Blob/copy', { fromAccountId: alice, accountId: randomUUID(), blobIds: [messageBlobId] }, 'c'],
    ])) as [Invocation];
    expect(toName).toBe('error');
    expect(to['type']).toBe('accountNotFound');
    const [[badName, bad]] = (await call([
      ['Blob/copy', { fromAccountId: alice, accountId: alice, blobIds: 'all' }, 'c'],
    ])) as [Invocation];
    expect(badName).toBe('error');
    expect(bad['type']).toBe('invalidArguments');
  });

  it('refuses header properties with control characters, unknown forms and forms the field does not allow', async () => {
    const refused = [
      'header:X-Bad\u0000Name',
      'header:X\r\nInjected: yes',
      'header:Sub ject',
      'header:',
      'header:Subject:asAddresses',
      'header:From:asDate',
      'header:X-Any:asNothing',
      'header:X-Any:asText:all:all',
    ];
    for (const property of refused) {
      const [[name, result]] = (await call([
        ['Email/get', { accountId: alice, ids: [ids['nested']!], properties: [property] }, 'g'],
      ])) as [Invocation];
      expect(name).toBe('error');
      expect(result['type']).toBe('invalidArguments');
    }
    const [[name, result]] = (await call([
      [
        'Email/get',
        {
          accountId: alice,
          ids: [ids['nested']!],
          properties: ['bodyStructure'],
          bodyProperties: ['header:A\u0007'],
        },
        'g',
      ],
    ])) as [Invocation];
    expect(name).toBe('error');
    expect(result['type']).toBe('invalidArguments');
  });
  describe('parts kept at delivery', () => {
    const bodyArgs = {
      properties: [...DEFAULT_EMAIL_PROPERTIES, 'bodyStructure'],
      fetchTextBodyValues: true,
      fetchHTMLBodyValues: true,
    };
    const deliver = async (tag: string): Promise<string> => {
      const raw = Buffer.concat([Buffer.from(`X-Copy: ${tag}\r\n`), nested]);
      const event = {
        ...mailArrivedEvent(alice, ''),
        sizeBytes: raw.length,
        rawBase64: raw.toString('base64'),
      };
      const result = await harness.app.get(StoreDeliveryUseCase).execute([event]);
      return result.changes[0]!.createdEmailIds[0]!;
    };
    const storedParts = async (id: string) =>
      (
        await harness.db.query<{ body_structure: unknown; body_values: unknown }>(
          'SELECT body_structure, body_values FROM mailbox.emails WHERE account_id = $1 AND id = $2',
          [alice, id],
        )
      ).rows[0]!;

    it('answers the default properties, the structure and the text and HTML values without the message', async () => {
      const id = await deliver('rows only');
      const before = await getEmail(id, bodyArgs);
      expect(Object.keys(before['bodyValues'] as object).length).toBeGreaterThan(0);
      // The message is not read again: bytes that are no message would give other parts.
      await harness.db.query('UPDATE mailbox.blobs SET data = $3 WHERE account_id = $1 AND id = $2', [
        alice,
        before['blobId'],
        Buffer.from('not a message'),
      ]);
      expect(await getEmail(id, bodyArgs)).toEqual(before);
      // Header fields are not kept: they are read from the message.
      expect(await getEmail(id, { properties: ['headers'] })).toEqual({ id, headers: [] });
    });

    it('keeps the parts of an email stored without them when it is first read, and answers the same', async () => {
      const id = await deliver('filled later');
      const kept = await storedParts(id);
      expect(kept.body_structure).not.toBeNull();
      const expected = await getEmail(id, bodyArgs);
      await harness.db.query(
        'UPDATE mailbox.emails SET body_structure = NULL, body_values = NULL WHERE account_id = $1 AND id = $2',
        [alice, id],
      );
      expect(await getEmail(id, { properties: ['subject'] })).toEqual({ id, subject: expected['subject'] });
      expect((await storedParts(id)).body_structure).toBeNull();

      expect(await getEmail(id, bodyArgs)).toEqual(expected);
      await expectEventually(async () => expect(await storedParts(id)).toEqual(kept));
      expect(await getEmail(id, bodyArgs)).toEqual(expected);
    });
  });
});
