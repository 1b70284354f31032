import { describe, expect, it } from 'vitest';
import { readDraftHeaders } from './draft-headers.js';

const read = (value: Record<string, unknown>) => readDraftHeaders(value);

describe(readDraftHeaders.name, () => {
  it('encodes each form for the message: encoded words, addresses, ids, dates, URLs, raw as given', () => {
    const outcome = read({
      subject: 'not a header property',
      'header:X-Mood:asText': 'Grüße',
      'header:Resent-To:asAddresses': [{ name: 'Zoë', email: 'zoe@example.org' }, { email: 'a@example.org' }],
      'header:X-Teams:asGroupedAddresses': [
        { name: 'Team, A', addresses: [{ name: null, email: 'a@example.org' }] },
        { name: null, addresses: [{ name: 'B', email: 'b@example.org' }] },
      ],
      'header:X-Ref:asMessageIds': ['one@example.org', 'two@example.org'],
      'header:X-When:asDate': '2026-01-02T03:04:05+02:00',
      'header:List-Archive:asURLs': ['https://example.org/a', 'mailto:x@example.org'],
      'header:X-Raw': ' kept\r\n as given',
      'header:X-Many:asText:all': ['one', 'two'],
      'header:X-Absent:asText': null,
    });
    expect(outcome.ok).toBe(true);
    const headers = outcome.ok ? outcome.headers : [];
    const value = (field: string) => headers.filter((header) => header.field === field).map((h) => h.value);
    expect(value('X-Mood')).toEqual(['=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=']);
    expect(value('Resent-To')).toEqual(['=?UTF-8?Q?Zo=C3=AB?= <zoe@example.org>, a@example.org']);
    expect(value('X-Teams')).toEqual(['"Team, A":a@example.org;, B <b@example.org>']);
    expect(value('X-Ref')).toEqual(['<one@example.org> <two@example.org>']);
    expect(value('X-When')).toEqual(['Fri, 02 Jan 2026 03:04:05 +0200']);
    expect(value('List-Archive')).toEqual(['<https://example.org/a>, <mailto:x@example.org>']);
    expect(headers.find((header) => header.field === 'X-Raw')).toMatchObject({
      value: 'kept\r\n as given',
      fold: false,
    });
    expect(value('X-Many')).toEqual(['one', 'two']);
    expect(value('X-Absent')).toEqual([]);
  });

  it('refuses bad names, forms a field does not allow, values of the wrong form and a field given twice', () => {
    const outcome = read({
      'header:X\u0001Bad': 'x',
      'header:X Space': 'x',
      'header:Subject:asAddresses': [],
      'header:X-A:asSomething': 'x',
      'header:X-Date:asDate': 'yesterday',
      'header:X-Text:asText': 'line\r\nbreak',
      'header:X-Raw': 'bare\nnewline',
      'header:X-Ids:asMessageIds': ['<angled>'],
      'header:X-All:all': 'not a list',
      'header:X-Twice': 'a',
      'header:x-twice:asText': 'b',
      'header:X-Mail:asAddresses': [{ email: 'no at sign' }],
    });
    expect(outcome).toEqual({
      ok: false,
      properties: [
        'header:X\u0001Bad',
        'header:X Space',
        'header:Subject:asAddresses',
        'header:X-A:asSomething',
        'header:X-Date:asDate',
        'header:X-Text:asText',
        'header:X-Raw',
        'header:X-Ids:asMessageIds',
        'header:X-All:all',
        'header:x-twice:asText',
        'header:X-Mail:asAddresses',
      ],
    });
  });
});
