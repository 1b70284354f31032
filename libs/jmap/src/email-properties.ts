/**
 * The metadata properties of an Email (RFC 8621 §4.1.1), in the RFC's order: what the server keeps
 * about a message besides its content, and what every listing of the mail asks for.
 */
export const EMAIL_METADATA_PROPERTIES = [
  'id',
  'blobId',
  'threadId',
  'mailboxIds',
  'keywords',
  'size',
  'receivedAt',
] as const;
