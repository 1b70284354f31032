import { createHash } from 'node:crypto';

/** A blob's id is derived from its bytes: the same content in one account is one blob. */
export function blobIdOf(data: Buffer): string {
  return `B${createHash('sha256').update(data).digest('hex')}`;
}

const STORED_BLOB_ID = /^B[0-9a-f]{64}$/;
/** `_1`.. are the stored text bodies and attachments, `_p1`.. the leaf parts of the body structure. */
const PART_BLOB_ID = /^(B[0-9a-f]{64})_(p?[1-9][0-9]{0,4})$/;

export type BlobReference =
  { kind: 'stored'; blobId: string } | { kind: 'part'; blobId: string; partId: string };

/** What a blob id names: stored bytes, or one body part of a stored message (`<message blob>_<part>`). */
export function parseBlobId(blobId: string): BlobReference | undefined {
  if (STORED_BLOB_ID.test(blobId)) return { kind: 'stored', blobId };
  const part = PART_BLOB_ID.exec(blobId);
  return part ? { kind: 'part', blobId: part[1]!, partId: part[2]! } : undefined;
}

export function partBlobId(messageBlobId: string, partId: string): string {
  return `${messageBlobId}_${partId}`;
}
