import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { MessageFields } from '../emails/email.js';
import type { EmailAddressValue } from './parse-message.js';

export interface DraftAttachment {
  data: Buffer;
  type: string;
  name: string | null;
  disposition: 'attachment' | 'inline';
  cid: string | null;
}

/**
 * What an Email/set create gives to build a message from (RFC 8621 §4.6): the fields a message
 * says about itself, with the attachments' bytes instead of what a reader learns of them.
 */
export type Draft = Omit<MessageFields, 'preview' | 'hasAttachment' | 'attachments'> & {
  attachments: DraftAttachment[];
};

/** Line breaks (and in an address, angle brackets) cannot come from a draft into a header. */
export const addresses = (list: EmailAddressValue[] | null) =>
  list && list.length > 0
    ? list.map(({ name, email }) => ({
        name: (name ?? '').replace(/[\r\n]/g, ' '),
        address: email.replace(/[\r\n<>]/g, ''),
      }))
    : undefined;

export const angled = (ids: string[] | null) =>
  ids && ids.length > 0 ? ids.map((id) => `<${id}>`) : undefined;

/**
 * A body in its canonical form (RFC 2046 §4.1.1): CRLF line ends, also inside a base64 body. An empty
 * body is one empty line, since nodemailer leaves out a part whose content is an empty string.
 */
export const canonical = (text: string | null) =>
  text === null ? undefined : text === '' ? '\r\n' : text.replace(/\r?\n/g, '\r\n');

/**
 * An RFC 5322 message for a draft, composed by nodemailer: headers encoded per RFC 2047, the text
 * and HTML bodies as multipart/alternative, attachments around them as multipart/mixed, CRLF line
 * ends, every line within 998 octets. A draft keeps its Bcc header, as RFC 8621 stores it.
 */
export async function composeMessage(draft: Draft, now: Date = new Date()): Promise<Buffer> {
  const domain = draft.from?.[0]?.email.split('@')[1] ?? 'pushmail.invalid';
  const node = new MailComposer({
    date: draft.sentAt ?? now,
    from: addresses(draft.from),
    sender: addresses(draft.sender),
    to: addresses(draft.to),
    cc: addresses(draft.cc),
    bcc: addresses(draft.bcc),
    replyTo: addresses(draft.replyTo),
    subject: draft.subject ?? undefined,
    messageId: `<${draft.messageId ?? `${randomBytes(12).toString('hex')}@${domain}`}>`,
    inReplyTo: angled(draft.inReplyTo)?.join(' '),
    references: angled(draft.references),
    // With neither body, the message still has one: an empty text/plain part.
    text: canonical(draft.textBody ?? (draft.htmlBody === null ? '' : null)),
    html: canonical(draft.htmlBody),
    attachments: draft.attachments.map((attachment) => ({
      content: attachment.data,
      contentType: attachment.type,
      filename: attachment.name ?? false,
      contentDisposition: attachment.disposition,
      // As a header rather than nodemailer's `cid`, which would move the part into a
      // multipart/related beside the HTML: the part stays where the draft put it.
      ...(attachment.cid ? { headers: { 'Content-ID': `<${attachment.cid}>` } } : {}),
      contentTransferEncoding: 'base64',
    })),
    textEncoding: 'base64',
    newline: 'windows',
    xMailer: false,
    // Nothing in a draft may make the composer read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  }).compile();
  node.keepBcc = true;
  return node.build();
}
