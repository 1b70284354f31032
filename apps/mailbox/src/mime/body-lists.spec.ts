import { describe, expect, it } from 'vitest';
import { bodyLists } from './body-lists.js';
import { mimeEntity } from '../testing/mail-fixtures.js';
import { type MimePart, parseBodyStructure, walkParts } from './body-structure.js';

const ids = (parts: MimePart[]) => parts.map((part) => part.partId);

describe(bodyLists.name, () => {
  it('picks the lists of the example in RFC 8621 §4.1.4 by the partIds of the structure', () => {
    // multipart/mixed
    //   text/plain A; multipart/alternative [multipart/mixed [text/plain B, image/jpeg C, text/plain D],
    //   multipart/related [text/html E, image/jpeg F]]; image/jpeg G (attachment);
    //   application/x-excel H; message/rfc822 J
    const raw = mimeEntity('multipart/mixed', [
      mimeEntity('text/plain', 'A'),
      mimeEntity('multipart/alternative', [
        mimeEntity('multipart/mixed', [
          mimeEntity('text/plain', 'B'),
          mimeEntity('image/jpeg', 'C', ['Content-Disposition: inline']),
          mimeEntity('text/plain', 'D'),
        ]),
        mimeEntity('multipart/related', [mimeEntity('text/html', 'E'), mimeEntity('image/jpeg', 'F')]),
      ]),
      mimeEntity('image/jpeg', 'G', ['Content-Disposition: attachment']),
      mimeEntity('application/x-excel', 'H'),
      mimeEntity('message/rfc822', 'Subject: J\r\n\r\nJ'),
    ]);
    const structure = parseBodyStructure(Buffer.from(raw));
    const leaves = [...walkParts(structure)].filter((part) => part.partId !== null);
    const byBody = new Map(
      leaves.map((part) => [part.body.toString().trim().split('\r\n').pop()!, part.partId]),
    );
    const lists = bodyLists(structure);
    const names = (parts: MimePart[]) =>
      ids(parts).map((id) => [...byBody].find(([, partId]) => partId === id)![0]);
    expect(names(lists.textBody)).toEqual(['A', 'B', 'C', 'D']);
    expect(names(lists.htmlBody)).toEqual(['A', 'E']);
    expect(names(lists.attachments)).toEqual(['C', 'F', 'G', 'H', 'J']);
    // Every listed part is the very part of the structure: one tree, one set of ids.
    for (const part of [...lists.textBody, ...lists.htmlBody, ...lists.attachments]) {
      expect(leaves).toContain(part);
    }
  });

  it('lets one alternative stand in for the other when a message has only HTML', () => {
    const structure = parseBodyStructure(Buffer.from(mimeEntity('text/html', '<p>hi</p>')));
    const lists = bodyLists(structure);
    expect(ids(lists.textBody)).toEqual(['p1']);
    expect(ids(lists.htmlBody)).toEqual(['p1']);
    expect(lists.attachments).toEqual([]);
  });

  it('takes a named text part after the first as an attachment, and only the first of multipart/related inline', () => {
    const raw = mimeEntity('multipart/mixed', [
      mimeEntity('text/plain', 'body'),
      mimeEntity('text/plain; name="notes.txt"', 'notes'),
      mimeEntity('multipart/related', [
        mimeEntity('text/html', '<img src="cid:x">'),
        mimeEntity('text/plain', 'x'),
      ]),
    ]);
    const lists = bodyLists(parseBodyStructure(Buffer.from(raw)));
    expect(ids(lists.textBody)).toEqual(['p1', 'p3']);
    expect(ids(lists.attachments)).toEqual(['p2', 'p4']);
  });

  it('lists every text part of a message of 1,500 parts', () => {
    const raw = mimeEntity(
      'multipart/mixed',
      Array.from({ length: 1500 }, (_, index) => mimeEntity('text/plain', `part ${index}`)),
    );
    const lists = bodyLists(parseBodyStructure(Buffer.from(raw)));
    expect(lists.textBody).toHaveLength(1500);
  });
});
