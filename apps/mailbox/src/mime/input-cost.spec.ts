import { truncateUtf8 } from '@pushmail/platform';
import { describe, expect, it } from 'vitest';
import { searchSnippet } from '../jmap/search/search-snippet.js';
import { storable } from '../store/storable-text.js';
import { costRatio, LINEAR_RATIO_BOUND } from '../testing/linear-cost.js';
import {
  MAX_MIME_PARTS,
  MAX_PART_HEADER_BYTES,
  messageIdsOf,
  parseHeaderBlockOnly,
  parseMessage,
  previewOf,
} from './parse-message.js';
import { addressSortKey, baseSubject, subjectSortKey } from './sort-keys.js';

// Every parser and normaliser a message meets on its way to a row, or a search on its way out, costs
// time linear in its input: ten times the input costs about ten times the time, never a hundred.

/**
 * Each test measures its function 14 times or more, some on large messages, on a machine that may be
 * busy: it gets time, and another attempt when a burst of load made one measurement fail (a function
 * that is not linear fails every attempt).
 */
const COST_TEST = { timeout: 60_000, retry: 2 };

const message = (headers: string[], body = 'body'): Buffer =>
  Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body}\r\n`);

const expectLinear = async <T>(
  make: (scale: number) => T,
  run: (input: T) => unknown,
  options?: { rounds?: number },
): Promise<void> => {
  const ratio = await costRatio(make, run, options);
  if (process.env['PRINT_COST_RATIOS']) console.log(expect.getState().currentTestName, ratio.toFixed(1));
  expect(ratio).toBeLessThan(LINEAR_RATIO_BOUND);
};

describe(baseSubject.name, COST_TEST, () => {
  it.each([
    ['trailers', (n: number) => `Lunch${' (fwd)'.repeat(2000 * n)}`],
    ['prefixes', (n: number) => `${'Re: '.repeat(2000 * n)}Lunch`],
    ['list tags and prefixes', (n: number) => `${'[team] Fwd: '.repeat(1000 * n)}Lunch`],
    ['an unclosed list tag before trailers', (n: number) => `[team${' (fwd)'.repeat(2000 * n)}`],
    ['prefixes and trailers', (n: number) => `${'re: '.repeat(1000 * n)}x${' (FWD)'.repeat(1000 * n)}`],
    ['whitespace', (n: number) => ` \t\r\n`.repeat(5000 * n)],
  ])('costs linear time in a subject of %s', async (_name, make) => {
    await expectLinear(make, baseSubject);
    await expectLinear(make, subjectSortKey);
  });
});

describe(addressSortKey.name, COST_TEST, () => {
  it('costs linear time in the name', async () => {
    await expectLinear((n) => [{ name: ' Zoë'.repeat(10_000 * n), email: 'z@example.org' }], addressSortKey);
  });
});

describe(previewOf.name, COST_TEST, () => {
  // The HTML is read up to 64 kB: these stay below that, so they measure the reading itself.
  it.each([
    ['<', (n: number) => '<'.repeat(6000 * n)],
    ['unclosed <style>', (n: number) => '<style>'.repeat(800 * n)],
    ['unclosed tags', (n: number) => '<a '.repeat(2000 * n)],
    ['start tags without >', (n: number) => '<style '.repeat(900 * n)],
    ['end tags without >', (n: number) => `<script>${'</script '.repeat(700 * n)}`],
    ['closed tags and entities', (n: number) => '<p>a &amp; b</p>'.repeat(350 * n)],
    ['<script> with an end tag far away', (n: number) => `${'<script>'.repeat(700 * n)}</script>`],
  ])('costs linear time in an HTML body of %s', async (_name, make) => {
    await expectLinear(make, (html) => previewOf(null, html));
  });

  it('costs no more for a long text than for the part of it the preview reads', async () => {
    await expectLinear(
      (n) => ' a'.repeat(100_000 * n),
      (text) => previewOf(text, null),
    );
  });
});

describe(messageIdsOf.name, COST_TEST, () => {
  it.each([
    ['many ids', (n: number) => '<a@example.org> '.repeat(2000 * n)],
    ['<', (n: number) => '<'.repeat(20_000 * n)],
    ['an unclosed id', (n: number) => `<${'a'.repeat(20_000 * n)}`],
    ['bare words', (n: number) => 'a '.repeat(10_000 * n)],
  ])('costs linear time in a header of %s', async (_name, make) => {
    await expectLinear(make, messageIdsOf);
  });
});

describe(parseHeaderBlockOnly.name, COST_TEST, () => {
  it.each([
    ['folded lines', (n: number) => message([`Subject: a${'\r\n b'.repeat(1000 * n)}`])],
    ['many fields', (n: number) => message(Array.from({ length: 500 * n }, (_, i) => `X-F${i}: v`))],
    ['addresses', (n: number) => message([`To: ${'a@example.org, '.repeat(1000 * n)}`])],
    [
      'a long date',
      (n: number) => message([`Date: Tue, 3 Mar 2026 10:15:00${' +0100 (CET)'.repeat(1000 * n)}`]),
    ],
  ])('costs linear time in a header block of %s', async (_name, make) => {
    await expectLinear(make, (raw) => parseHeaderBlockOnly(raw, 'test'));
  });
});

describe(parseMessage.name, COST_TEST, () => {
  // Address parsing and header decoding are the MIME parser's; a header block is at most 1 MiB
  // (beyond that the message is stored with its header fields read by parseHeaderBlockOnly).
  it.each([
    [
      'an address list',
      (n: number) =>
        message([
          `To: ${Array.from({ length: 500 * n }, (_, i) => `"N ${i}" <a${i}@b.example>`).join(', ')}`,
        ]),
    ],
    ['address list separators', (n: number) => message([`To: ${'a,'.repeat(2000 * n)}`])],
    ['address groups', (n: number) => message([`To: ${'g:a;'.repeat(2000 * n)}`])],
    ['<', (n: number) => message([`From: ${'<'.repeat(5000 * n)}`])],
    ['quotes', (n: number) => message([`From: ${'"'.repeat(5000 * n)}`])],
    ['encoded words (B)', (n: number) => message([`Subject: ${'=?UTF-8?B?w6k=?= '.repeat(500 * n)}`])],
    ['encoded words (Q)', (n: number) => message([`Subject: ${'=?UTF-8?Q?=C3=A9?= '.repeat(500 * n)}`])],
    [
      'encoded words (ISO-2022-JP)',
      (n: number) => message([`Subject: ${'=?ISO-2022-JP?B?GyRCJEQbKEI=?= '.repeat(300 * n)}`]),
    ],
    ['broken encoded words', (n: number) => message([`Subject: ${'=?'.repeat(5000 * n)}`])],
    [
      'encoded names',
      (n: number) => message([`To: ${'=?UTF-16BE?B?2AA=?= <a@b.example>, '.repeat(300 * n)}`]),
    ],
    ['references', (n: number) => message([`References: ${'<a@b.example> '.repeat(1000 * n)}`])],
    [
      'a long date',
      (n: number) => message([`Date: Tue, 3 Mar 2026 10:15:00${' +0100 (CET)'.repeat(1000 * n)}`]),
    ],
    ['many fields', (n: number) => message(Array.from({ length: 1000 * n }, (_, i) => `X-F${i}: v`))],
    [
      'parameters',
      (n: number) =>
        message([
          `Content-Type: text/plain; ${Array.from({ length: 200 * n }, (_, i) => `name*${i}*=utf-8''%C3%A9`).join('; ')}`,
        ]),
    ],
  ])('costs linear time in a header of %s', async (_name, make) => {
    await expectLinear(make, parseMessage);
  });

  it('costs no more for a message past the part cap than for one at it', async () => {
    await expectLinear(
      (n) =>
        message(
          ['Content-Type: multipart/mixed; boundary=b'],
          `${Array.from({ length: MAX_MIME_PARTS * n }, (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}`).join('\r\n')}\r\n--b--`,
        ),
      parseMessage,
      { rounds: 3 },
    );
  });

  it('costs no more for a header block past its cap than its bytes', async () => {
    await expectLinear(
      (n) => message([`Subject: a${'\r\n b'.repeat((MAX_PART_HEADER_BYTES / 16) * n)}`]),
      parseMessage,
      { rounds: 3 },
    );
  });

  // Within the cap the parser checks every line against every open boundary: nesting costs time
  // quadratic in its depth, about a quarter of a second at 1000 levels. The cap is what bounds it.
  it('costs no more for a message nested past the part cap than for one nested to it', async () => {
    await expectLinear(
      (n) =>
        Buffer.from(
          Array.from(
            { length: MAX_MIME_PARTS * n },
            (_, i) => `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`,
          ).join('') + 'Content-Type: text/plain\r\n\r\nhi\r\n',
        ),
      parseMessage,
      { rounds: 3 },
    );
  });

  it.each([
    ['an HTML body of <', (n: number) => message(['Content-Type: text/html'], '<'.repeat(6000 * n))],
    ['a text body', (n: number) => message(['Content-Type: text/plain'], 'word '.repeat(5000 * n))],
  ])('costs linear time in a message of %s', async (_name, make) => {
    await expectLinear(make, parseMessage);
  });
});

describe(searchSnippet.name, COST_TEST, () => {
  it.each([
    ['a match at the end', (n: number) => `${'word '.repeat(5000 * n)}needle`],
    ['no match', (n: number) => 'word '.repeat(5000 * n)],
    ['many matches', (n: number) => 'needle '.repeat(5000 * n)],
  ])('costs linear time in a subject and body with %s', async (_name, make) => {
    await expectLinear(make, (text) => searchSnippet(['needle', 'other words'], text, text));
  });
});

describe(truncateUtf8.name, COST_TEST, () => {
  it('costs linear time in the value', async () => {
    await expectLinear(
      (n) => 'é😀'.repeat(20_000 * n),
      (value) => truncateUtf8(value, 1000),
    );
  });
});

describe(storable.name, COST_TEST, () => {
  it('costs linear time in what it makes storable', async () => {
    await expectLinear(
      (n) => ({
        body: 'a\ud800\u0000'.repeat(10_000 * n),
        to: Array.from({ length: 1000 * n }, () => ({ name: '\udc00' })),
      }),
      storable,
    );
  });
});
