import { describe, expect, it } from 'vitest';
import { parseHeaderProperty } from '../jmap/methods/header-properties.js';
import { MAX_PART_DEPTH, MAX_PARTS, type MimePart, parseBodyStructure, walkParts } from './body-structure.js';

function depthOf(part: MimePart): number {
  return part.subParts && part.subParts.length > 0 ? 1 + Math.max(...part.subParts.map(depthOf)) : 0;
}

describe(parseBodyStructure.name, () => {
  it('stops at the nesting cap for a message nested ten thousand deep', () => {
    const lines = ['Subject: deep'];
    for (let level = 0; level < 10_000; level += 1) {
      lines.push(`Content-Type: multipart/mixed; boundary="d${level}"`, '', `--d${level}`);
    }
    lines.push('Content-Type: text/plain', '', 'bottom');
    const root = parseBodyStructure(Buffer.from(lines.join('\r\n')));
    expect(depthOf(root)).toBe(MAX_PART_DEPTH);
  });

  it('lists at most the part cap of a message with very many parts', () => {
    const parts = Array.from({ length: MAX_PARTS * 2 }, (_, index) => `--b\r\n\r\npart ${index}`);
    const raw = Buffer.from(
      `Content-Type: multipart/mixed; boundary=b\r\n\r\n${parts.join('\r\n')}\r\n--b--\r\n`,
    );
    expect([...walkParts(parseBodyStructure(raw))].length).toBe(MAX_PARTS);
  });

  it('reads a multipart without a boundary, a bad content type and no header block as parts', () => {
    expect(parseBodyStructure(Buffer.from('Content-Type: multipart/mixed\r\n\r\nbody')).subParts).toEqual([]);
    expect(parseBodyStructure(Buffer.from('Content-Type: ???\r\n\r\nbody')).type).toBe('text/plain');
    const bare = parseBodyStructure(Buffer.from('\r\njust a body'));
    expect(bare).toMatchObject({ partId: 'p1', type: 'text/plain', charset: 'us-ascii', headers: [] });
    expect(bare.body.toString()).toBe('just a body');
  });
});

describe(parseHeaderProperty.name, () => {
  it('reads the name, the form and :all', () => {
    expect(parseHeaderProperty('header:List-Post:asURLs:all')).toEqual({
      property: 'header:List-Post:asURLs:all',
      name: 'list-post',
      form: 'URLs',
      all: true,
    });
    expect(parseHeaderProperty('header:X-A')).toMatchObject({ form: 'Raw', all: false });
    expect(parseHeaderProperty('subject')).toBeUndefined();
  });

  it('refuses control characters, unknown forms and forms a known field does not allow', () => {
    for (const property of [
      'header:A\u0000',
      'header:A\tB',
      'header:',
      'header:Date:asText',
      'header:A:asX',
    ]) {
      expect(() => parseHeaderProperty(property)).toThrow(
        expect.objectContaining({ type: 'invalidArguments' }),
      );
    }
  });
});
