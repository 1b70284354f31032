import { randomBytes } from 'node:crypto';
import libmime from 'libmime';
import MimeNode from 'nodemailer/lib/mime-node';
import type { PartFields } from './body-structure.js';
import { addresses, angled, canonical, type Draft } from './compose-message.js';
import type { DraftHeader } from './draft-headers.js';

/** The header fields of a draft: everything but its bodies, and those it gives as `header:*`. */
export type DraftHeaderFields = Omit<Draft, 'textBody' | 'htmlBody' | 'attachments'> & {
  headers?: DraftHeader[];
};

/** A part to compose, its content at hand: text (sent as UTF-8) or bytes. */
export interface ComposablePart extends PartFields {
  subParts: ComposablePart[] | null;
  data: string | Buffer | null;
  headers?: DraftHeader[];
  /** Content-Type parameters besides charset, name and boundary (e.g. `format=flowed`). */
  params?: Record<string, string>;
}

const NODE_OPTIONS = { newline: 'windows', disableFileAccess: true, disableUrlAccess: true } as const;

/**
 * An RFC 5322 message with exactly the MIME tree a draft gives (RFC 8621 §4.6 `bodyStructure`),
 * composed by nodemailer as composeMessage composes the simpler drafts: headers encoded per RFC 2047,
 * CRLF line ends, text as quoted-printable or base64 as it needs, other parts base64, Bcc kept.
 */
export async function composeStructure(
  fields: DraftHeaderFields,
  structure: ComposablePart,
  now: Date = new Date(),
): Promise<Buffer> {
  const root = buildNode(structure, null);
  root.keepBcc = true;
  const domain = fields.from?.[0]?.email.split('@')[1] ?? 'pushmail.invalid';
  const own = new Set((fields.headers ?? []).map((header) => header.name));
  const headers: Record<string, unknown> = {
    from: addresses(fields.from),
    sender: addresses(fields.sender),
    to: addresses(fields.to),
    cc: addresses(fields.cc),
    bcc: addresses(fields.bcc),
    'reply-to': addresses(fields.replyTo),
    'in-reply-to': angled(fields.inReplyTo)?.join(' '),
    references: angled(fields.references),
    subject: fields.subject ?? undefined,
    'message-id': own.has('message-id')
      ? undefined
      : `<${fields.messageId ?? `${randomBytes(12).toString('hex')}@${domain}`}>`,
    date: own.has('date') ? undefined : (fields.sentAt ?? now),
  };
  for (const [key, value] of Object.entries(headers)) if (value !== undefined) root.setHeader(key, value);
  addHeaders(root, fields.headers);
  return root.build();
}

function buildNode(part: ComposablePart, parent: MimeNode | null): MimeNode {
  const charset = part.subParts === null && part.type.startsWith('text/') ? (part.charset ?? 'utf-8') : null;
  const contentType = libmime.buildHeaderValue({
    value: part.type,
    params: { ...(charset === null ? {} : { charset }), ...part.params },
  });
  const options = { ...NODE_OPTIONS, ...(part.name ? { filename: part.name } : {}) };
  const node = parent ? parent.createChild(contentType, options) : new MimeNode(contentType, options);
  if (part.cid) node.setHeader('Content-ID', `<${part.cid}>`);
  if (part.language) node.setHeader('Content-Language', part.language.join(', '));
  if (part.location) node.setHeader('Content-Location', part.location);
  addHeaders(node, part.headers);
  if (part.subParts !== null) {
    for (const child of part.subParts) buildNode(child, node);
    return node;
  }
  if (part.disposition || part.name) node.setHeader('Content-Disposition', part.disposition ?? 'attachment');
  if (typeof part.data === 'string') {
    node.setContent(canonical(part.data) ?? '\r\n');
  } else {
    node.setHeader('Content-Transfer-Encoding', 'base64');
    node.setContent(part.data ?? Buffer.alloc(0));
  }
  return node;
}

/**
 * Header fields already encoded: written as given, folded by nodemailer unless raw. Added, not set,
 * so `:all` gives every instance.
 */
function addHeaders(node: MimeNode, headers: DraftHeader[] | undefined): void {
  for (const header of headers ?? []) {
    const prepared = { prepared: true, foldLines: header.fold, value: header.value };
    node.addHeader(header.field, prepared as unknown as string);
  }
}
