import { describe, expect, it } from 'vitest';
import { openWebSocket, useJmapSuite } from './jmap-client-kit.js';

type Args = Record<string, unknown>;
type Part = Args & { partId: string | null; blobId: string | null; type: string; subParts?: Part[] };

const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

describe('JMAP through a client library: compose with a body structure, a vacation response', () => {
  const jmap = useJmapSuite('jmap-compose-vacation');

  it('saves a draft composed from a body structure with an uploaded image and header properties, and reads it back', async () => {
    const { blobId: image } = await jmap.device.jam.uploadBlob(
      jmap.account.accountId,
      new Blob([png], { type: 'image/png' }),
    );
    const set = await jmap.call('Email/set', {
      create: {
        draft: {
          mailboxIds: { [jmap.roles['drafts']!]: true },
          keywords: { $draft: true },
          from: [{ name: 'Me', email: jmap.account.address }],
          subject: 'With a picture',
          'header:X-Mood:asText': 'Grüße',
          'header:List-Unsubscribe:asURLs': ['mailto:leave@example.com'],
          'header:Resent-To:asAddresses': [{ name: 'Zoë', email: 'zoe@example.com' }],
          bodyStructure: {
            type: 'multipart/related',
            subParts: [
              { partId: 'html', type: 'text/html' },
              {
                blobId: image,
                type: 'image/png',
                cid: 'pic@example.com',
                disposition: 'inline',
                'header:Content-Description:asText': 'a tiny picture',
              },
            ],
          },
          bodyValues: { html: { value: '<p>See <img src="cid:pic@example.com"></p>' } },
        },
      },
    });
    const created = (set['created'] as Record<string, { id: string }>)['draft']!;
    const [email] = (
      await jmap.call('Email/get', {
        ids: [created.id],
        properties: [
          'bodyStructure',
          'htmlBody',
          'attachments',
          'header:Subject:asText',
          'header:X-Mood:asText',
          'header:List-Unsubscribe:asURLs',
          'header:Resent-To:asAddresses',
        ],
        bodyProperties: ['partId', 'blobId', 'type', 'cid', 'header:Content-Description:asText'],
      })
    )['list'] as Args[];
    expect(email).toMatchObject({
      'header:Subject:asText': 'With a picture',
      'header:X-Mood:asText': 'Grüße',
      'header:List-Unsubscribe:asURLs': ['mailto:leave@example.com'],
      'header:Resent-To:asAddresses': [{ name: 'Zoë', email: 'zoe@example.com' }],
    });
    const root = email!['bodyStructure'] as Part;
    expect(root.type).toBe('multipart/related');
    expect(root.subParts!.map((part) => part.type)).toEqual(['text/html', 'image/png']);
    const [html] = email!['htmlBody'] as Part[];
    const [picture] = email!['attachments'] as Part[];
    expect(html!.partId).toBe(root.subParts![0]!.partId);
    expect(picture).toMatchObject({
      partId: root.subParts![1]!.partId,
      cid: 'pic@example.com',
      'header:Content-Description:asText': 'a tiny picture',
    });

    // A header property the RFC does not allow is refused, naming it, through the same library.
    const refused = await jmap.call('Email/set', {
      create: {
        bad: {
          mailboxIds: { [jmap.roles['drafts']!]: true },
          subject: 'twice',
          'header:Subject:asText': 'twice',
          'header:X\u0001Bad': 'x',
        },
      },
    });
    expect((refused['notCreated'] as Record<string, Args>)['bad']).toMatchObject({
      type: 'invalidProperties',
      properties: ['header:X\u0001Bad'],
    });
    const download = await jmap.device.jam.downloadBlob({
      accountId: jmap.account.accountId,
      blobId: picture!.blobId!,
      mimeType: 'image/png',
      fileName: 'pic.png',
    });
    expect(Buffer.from(await download.arrayBuffer()).equals(png)).toBe(true);
  });

  it('sets and reads the vacation response, advertised in the session, and pushes its change', async () => {
    const session = await jmap.device.jam.session;
    expect(Object.keys(session.capabilities)).toContain('urn:ietf:params:jmap:vacationresponse');
    const socket = await openWebSocket(jmap.device);
    let set: Args;
    try {
      socket.enablePush(undefined, ['VacationResponse']);
      const pushed = socket.nextStateChange(20_000);
      set = await jmap.call('VacationResponse/set', {
        update: { singleton: { isEnabled: true, subject: 'Away', textBody: 'Back on Monday.' } },
      });
      expect(await pushed).toMatchObject({
        changed: { [jmap.account.accountId]: { VacationResponse: set['newState'] } },
      });
    } finally {
      socket.close();
    }
    expect(set['updated']).toEqual({ singleton: null });
    const [vacation] = (await jmap.call('VacationResponse/get', { ids: ['singleton'] }))['list'] as Args[];
    expect(vacation).toMatchObject({
      id: 'singleton',
      isEnabled: true,
      subject: 'Away',
      textBody: 'Back on Monday.',
    });
  });
});
