/**
 * The multipart response of ItemOperations ([MS-ASCMD] 2.2.2.9.1.1), sent to a device that asked
 * for it with `MS-ASAcceptMultiPart: T`: the WBXML document and the fetched bytes travel as parts
 * of one body instead of the bytes being base64 inside the document, which costs a third more and
 * must all be decoded before any of it is used.
 *
 * Layout, every integer a little-endian int32: the count of parts, then for each part its offset
 * from the start of the body and its length, then the parts. Part 0 is the WBXML document; the
 * document names the others by index (`<Part>1</Part>`).
 */
export const MULTIPART_CONTENT_TYPE = 'application/vnd.ms-sync.multipart';

export function encodeMultipart(parts: readonly Uint8Array[]): Buffer {
  const header = 4 + parts.length * 8;
  const body = Buffer.alloc(header + parts.reduce((total, part) => total + part.byteLength, 0));
  body.writeInt32LE(parts.length, 0);
  let offset = header;
  parts.forEach((part, index) => {
    body.writeInt32LE(offset, 4 + index * 8);
    body.writeInt32LE(part.byteLength, 8 + index * 8);
    body.set(part, offset);
    offset += part.byteLength;
  });
  return body;
}

/** The parts of a multipart body; throws on a body whose table does not fit it. */
export function decodeMultipart(body: Uint8Array): Buffer[] {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (bytes.length < 4) throw new Error('a multipart body starts with its part count');
  const count = bytes.readInt32LE(0);
  if (count < 1 || 4 + count * 8 > bytes.length)
    throw new Error(`a part count of ${count} does not fit the body`);
  const parts: Buffer[] = [];
  for (let index = 0; index < count; index += 1) {
    const offset = bytes.readInt32LE(4 + index * 8);
    const length = bytes.readInt32LE(8 + index * 8);
    if (offset < 4 + count * 8 || length < 0 || offset + length > bytes.length)
      throw new Error(`part ${index} (${offset}+${length}) lies outside the body`);
    parts.push(bytes.subarray(offset, offset + length));
  }
  return parts;
}
