import { describe, expect, it } from 'vitest';
import {
  decodePartBody,
  decodePartText,
  parseBodyStructure,
  partOfType,
  walkParts,
} from './body-structure.js';
import { type ComposablePart, composeStructure } from './compose-structure.js';
import { parseMessage } from './parse-message.js';

const part = (overrides: Partial<ComposablePart>): ComposablePart => ({
  ...partOfType('text/plain'),
  subParts: null,
  data: null,
  ...overrides,
});

describe(composeStructure.name, () => {
  it('composes the given tree, with header fields encoded and every part read back as it was given', async () => {
    const bytes = Buffer.from([0, 1, 2, 255]);
    const raw = await composeStructure(
      {
        from: [{ name: 'Zoë', email: 'zoe@example.org' }],
        sender: null,
        to: [{ name: null, email: 'bob@example.com' }],
        cc: null,
        bcc: [{ name: null, email: 'hidden@example.net' }],
        replyTo: null,
        subject: 'Grüße',
        sentAt: new Date('2026-03-03T09:15:00Z'),
        messageId: 'm@example.org',
        inReplyTo: null,
        references: null,
      },
      part({
        type: 'multipart/mixed',
        subParts: [
          part({ data: 'Grüße\nzwei' }),
          part({
            type: 'application/octet-stream',
            name: 'ä.bin',
            disposition: 'attachment',
            data: bytes,
            cid: 'c@x',
            language: ['de'],
          }),
        ],
      }),
    );
    const message = await parseMessage(raw);
    expect(message).toMatchObject({
      subject: 'Grüße',
      messageId: 'm@example.org',
      bcc: [{ email: 'hidden@example.net' }],
    });
    const leaves = [...walkParts(parseBodyStructure(raw))].filter((leaf) => leaf.partId !== null);
    expect(leaves.map((leaf) => leaf.type)).toEqual(['text/plain', 'application/octet-stream']);
    expect(decodePartText(leaves[0]!).value).toBe('Grüße\r\nzwei');
    expect(leaves[1]).toMatchObject({
      name: 'ä.bin',
      disposition: 'attachment',
      cid: 'c@x',
      language: ['de'],
    });
    expect(decodePartBody(leaves[1]!).data.equals(bytes)).toBe(true);
    expect(
      raw
        .toString('latin1')
        .split('\r\n')
        .every((line) => line.length <= 998),
    ).toBe(true);
  });
});
