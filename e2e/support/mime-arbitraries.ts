import fc from 'fast-check';

/**
 * Generators of hostile MIME messages, as bytes on the wire: CRLF line ends, no bare LF (an SMTP
 * client would rewrite it), anything else allowed: arbitrary Unicode and raw 8-bit bytes in every
 * header, RFC 2047 words in every charset Node's TextDecoder knows (well formed or not), deep and
 * wide multiparts, broken transfer encodings, huge header fields.
 */

/** The WHATWG encodings (https://encoding.spec.whatwg.org/#names-and-labels) Node can decode. */
export const TEXT_DECODER_CHARSETS: readonly string[] = [
  'utf-8',
  'ibm866',
  'iso-8859-2',
  'iso-8859-3',
  'iso-8859-4',
  'iso-8859-5',
  'iso-8859-6',
  'iso-8859-7',
  'iso-8859-8',
  'iso-8859-8-i',
  'iso-8859-10',
  'iso-8859-13',
  'iso-8859-14',
  'iso-8859-15',
  'iso-8859-16',
  'koi8-r',
  'koi8-u',
  'macintosh',
  'windows-874',
  'windows-1250',
  'windows-1251',
  'windows-1252',
  'windows-1253',
  'windows-1254',
  'windows-1255',
  'windows-1256',
  'windows-1257',
  'windows-1258',
  'x-mac-cyrillic',
  'gbk',
  'gb18030',
  'big5',
  'euc-jp',
  'iso-2022-jp',
  'shift_jis',
  'euc-kr',
  'utf-16be',
  'utf-16le',
  'x-user-defined',
].filter((label) => {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
});

/** Charset names a sender may write besides those: aliases, unknown ones, empty, junk. */
const OTHER_CHARSETS = [
  'UTF-16',
  'utf-32',
  'latin1',
  'us-ascii',
  'x-unknown',
  '',
  'utf-8*en',
  '"utf-8"',
  '?',
];

const byte = fc.integer({ min: 0, max: 255 });
const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((array) => Buffer.from(array));

/** Q encoding of RFC 2047 §4.2, with a chance of a broken escape. */
const qEncoded = fc.tuple(bytes(24), fc.boolean()).map(([data, broken]) => {
  let text = '';
  for (const value of data) {
    text +=
      (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5a) || (value >= 0x61 && value <= 0x7a)
        ? String.fromCharCode(value)
        : value === 0x20
          ? '_'
          : `=${value.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return broken ? `${text}=Z` : text;
});

/** Base64 of random bytes: well formed, cut short, or with junk in it. */
const bEncoded = fc
  .tuple(bytes(24), fc.constantFrom('whole', 'cut', 'junk'))
  .map(([data, how]) =>
    how === 'whole'
      ? data.toString('base64')
      : how === 'cut'
        ? data.toString('base64').slice(0, -1)
        : `${data.toString('base64')}*!`,
  );

/** One RFC 2047 encoded word, of any charset Node knows or none it knows, right or broken. */
export const encodedWord: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...TEXT_DECODER_CHARSETS) },
      { weight: 1, arbitrary: fc.constantFrom(...OTHER_CHARSETS) },
    ),
    fc.boolean(),
    fc.oneof(
      { weight: 6, arbitrary: fc.constant('') },
      { weight: 1, arbitrary: fc.constantFrom('*en', '*', '?', '?=') },
    ),
    fc.constantFrom('?=', '?=', '?=', '', '?'),
  )
  .chain(([charset, base64, language, end]) =>
    (base64 ? bEncoded : qEncoded).map(
      (payload) => `=?${charset}${language}?${base64 ? 'B' : 'Q'}?${payload}${end}`,
    ),
  );

/** UTF-16 halves written as words: the lone surrogates that once cost a message its mailbox. */
const loneSurrogateWord = fc.constantFrom(
  '=?UTF-16BE?B?2AA=?=',
  '=?UTF-16BE?B?3AA=?=',
  '=?UTF-16LE?B?ANg=?=',
  '=?utf-16?B?2AA=?=',
  '=?UTF-16BE?Q?=D8=00?=',
);

/** A header value's text, as bytes: no CR or LF except where folded. */
const valueBytes: fc.Arbitrary<Buffer> = fc
  .array(
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }).map((text) => Buffer.from(text)),
      },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }).map((text) => Buffer.from(text)) },
      { weight: 3, arbitrary: encodedWord.map((word) => Buffer.from(word)) },
      { weight: 1, arbitrary: loneSurrogateWord.map((word) => Buffer.from(word)) },
      { weight: 1, arbitrary: fc.array(byte, { maxLength: 8 }).map((array) => Buffer.from(array)) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom('<', '>', '"', '(', ')', ',', ';', ':', '@', '\\', '\u0000', ' ', '\t', '=?', '?=')
          .map((text) => Buffer.from(text)),
      },
    ),
    { maxLength: 10 },
  )
  .map((pieces) =>
    Buffer.from(
      Buffer.concat(pieces)
        .toString('latin1')
        .replace(/[\r\n]/g, ' '),
      'latin1',
    ),
  );

const address = fc
  .tuple(
    valueBytes,
    fc.string({ unit: 'grapheme-ascii', maxLength: 10 }),
    fc.constantFrom('example.org', 'b', ''),
  )
  .map(([name, local, domain]) =>
    Buffer.concat([name, Buffer.from(` <${local.replace(/[\r\n]/g, '')}@${domain}>`)]),
  );

const addressList = fc
  .array(fc.oneof(address, valueBytes), { minLength: 1, maxLength: 6 })
  .map((items) =>
    Buffer.concat(items.flatMap((item, index) => (index === 0 ? [item] : [Buffer.from(', '), item]))),
  );

const FIELD_NAMES = [
  'From',
  'To',
  'Cc',
  'Bcc',
  'Reply-To',
  'Sender',
  'Subject',
  'Date',
  'Message-ID',
  'In-Reply-To',
  'References',
  'Comments',
  'Keywords',
  'MIME-Version',
  'Content-Type',
  'Content-Disposition',
  'Content-Transfer-Encoding',
  'Content-ID',
  'Received',
  'Return-Path',
  'X-Mailer',
];

/** One header field, sometimes folded, sometimes huge. */
const headerField: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...FIELD_NAMES) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }) },
    ),
    fc.oneof({ weight: 3, arbitrary: valueBytes }, { weight: 2, arbitrary: addressList }),
    fc.boolean(),
  )
  .map(([name, value, folded]) => {
    const safeName = name.replace(/[\r\n:\s]/g, '') || 'X';
    const text = value.toString('latin1');
    // Folding inserts CRLF before a space or tab already in the value.
    const body = folded ? text.replace(/ /g, '\r\n ') : text;
    return Buffer.concat([Buffer.from(`${safeName}: `), Buffer.from(body, 'latin1'), Buffer.from('\r\n')]);
  });

/** A field of 64 kB to 1.2 MB: past the MIME parser's 1 MiB header cap at the top of the range. */
const hugeHeaderField = fc
  .tuple(
    fc.constantFrom('Subject', 'To', 'References', 'X-Huge'),
    fc.integer({ min: 64, max: 1200 }),
    encodedWord,
  )
  .map(([name, kilobytes, word]) => {
    const unit =
      name === 'To' ? `${word} <a@example.org>, ` : name === 'References' ? '<a@b> ' : `${word} (fwd) `;
    const count = Math.ceil((kilobytes * 1024) / unit.length);
    // Folded every unit, as a long field should be.
    return Buffer.from(`${name}: ${Array.from({ length: count }, () => unit).join('\r\n ')}\r\n`, 'latin1');
  });

const TRANSFER_ENCODINGS = ['7bit', '8bit', 'binary', 'base64', 'quoted-printable', 'x-uuencode', 'bogus'];
const PART_TYPES = [
  'text/plain',
  'text/html',
  'application/octet-stream',
  'image/png',
  'message/rfc822',
  'text/calendar',
  'application/pdf',
];

/** A leaf part's body for its transfer encoding, broken or not. */
const leafBody = fc
  .tuple(
    fc.constantFrom(...TRANSFER_ENCODINGS),
    bytes(300),
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.boolean(),
  )
  .map(([encoding, data, text, broken]) => {
    let body: string;
    if (encoding === 'base64')
      body = (broken ? `${data.toString('base64')}!!==x` : data.toString('base64')).replace(
        /.{76}/g,
        '$&\r\n',
      );
    else if (encoding === 'quoted-printable')
      body = `${text.replace(/[=\r\n]/g, '=3D')}${broken ? '=G' : ''}=\r\n${text}`;
    else body = Buffer.concat([Buffer.from(text), broken ? data : Buffer.alloc(0)]).toString('latin1');
    return { encoding, body: body.replace(/\r?\n|\r(?!\n)/g, '\r\n') };
  });

interface Part {
  headers: string;
  body: string;
}

const leafPart: fc.Arbitrary<Part> = fc
  .tuple(
    fc.constantFrom(...PART_TYPES),
    fc.oneof(fc.constantFrom(...TEXT_DECODER_CHARSETS), fc.constantFrom(...OTHER_CHARSETS)),
    leafBody,
    fc.option(valueBytes, { nil: undefined }),
    fc.array(headerField, { maxLength: 2 }),
  )
  .map(([type, charset, { encoding, body }, filename, extra]) => ({
    headers:
      `Content-Type: ${type}; charset=${charset}\r\nContent-Transfer-Encoding: ${encoding}\r\n` +
      (filename === undefined
        ? ''
        : `Content-Disposition: attachment; filename="${filename.toString('latin1').replace(/"/g, '')}"\r\n`) +
      Buffer.concat(extra).toString('latin1'),
    body,
  }));

/** A multipart tree: up to `depth` levels deep, with up to `width` parts per level. */
const partTree = fc.letrec<{ part: Part }>((tie) => ({
  part: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 3, arbitrary: leafPart },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom('mixed', 'alternative', 'related', 'digest', 'x-unknown'),
          fc
            .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 })
            .map((text) => text.replace(/[\r\n"]/g, '_')),
          fc.array(tie('part'), { maxLength: 6 }),
          fc.boolean(),
        )
        .map(([subtype, boundary, parts, closed]) => ({
          headers: `Content-Type: multipart/${subtype}; boundary="${boundary}"\r\n`,
          body:
            parts.map((part) => `--${boundary}\r\n${part.headers}\r\n${part.body}\r\n`).join('') +
            (closed ? `--${boundary}--\r\n` : ''),
        })),
    },
  ),
})).part;

/** Straight down: one part inside the next, `levels` deep. */
const deepChain = fc.integer({ min: 20, max: 120 }).map((levels): Part => {
  let part: Part = { headers: 'Content-Type: text/plain\r\n', body: 'the bottom\r\n' };
  for (let level = 0; level < levels; level += 1)
    part = {
      headers: `Content-Type: multipart/mixed; boundary="d${level}"\r\n`,
      body: `--d${level}\r\n${part.headers}\r\n${part.body}\r\n--d${level}--\r\n`,
    };
  return part;
});

/** Side by side: `count` parts in one multipart, up to past the MIME parser's 1000-part cap. */
const wideList = fc.integer({ min: 50, max: 1100 }).map((count): Part => ({
  headers: 'Content-Type: multipart/mixed; boundary="w"\r\n',
  body: `${Array.from({ length: count }, (_, index) => `--w\r\nContent-Type: text/plain\r\n\r\npart ${index}\r\n`).join('')}--w--\r\n`,
}));

/** A whole message, as the bytes that go on the wire, with a field `X-Fuzz-Case: <tag>` somewhere in its header that keeps every message distinct. */
export const hostileMessage: fc.Arbitrary<(tag: string) => Buffer> = fc
  .tuple(
    fc.array(headerField, { maxLength: 14 }),
    fc.oneof({ weight: 12, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: hugeHeaderField }),
    fc.oneof(
      { weight: 6, arbitrary: partTree },
      { weight: 1, arbitrary: deepChain },
      { weight: 1, arbitrary: wideList },
    ),
    fc.nat({ max: 14 }),
  )
  .map(([fields, huge, root, tagAt]) => (tag: string) => {
    const header = [...fields];
    if (huge) header.push(huge);
    header.splice(Math.min(tagAt, header.length), 0, Buffer.from(`X-Fuzz-Case: ${tag}\r\n`));
    const raw = Buffer.concat([
      ...header,
      Buffer.from(root.headers, 'latin1'),
      Buffer.from('\r\n'),
      Buffer.from(root.body, 'latin1'),
    ]);
    return onTheWire(raw);
  });

/**
 * What an SMTP client hands over for `raw`: every line ended by CRLF (a bare LF or CR becomes one),
 * and a CRLF at the end. Dot-stuffing is the session's and undone by the server.
 */
export function onTheWire(raw: Buffer): Buffer {
  const text = raw.toString('latin1').replace(/\r?\n|\r/g, '\r\n');
  return Buffer.from(text.endsWith('\r\n') ? text : `${text}\r\n`, 'latin1');
}
