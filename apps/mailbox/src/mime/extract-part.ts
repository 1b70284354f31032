import { simpleParser } from 'mailparser';
import { HTML_PART_ID, MAX_MIME_PARTS, MAX_PART_HEADER_BYTES, TEXT_PART_ID } from './parse-message.js';

export interface ExtractedPart {
  data: Buffer;
  type: string;
}

/**
 * The decoded content of one body part of a raw message, by the part ids Email/get hands out:
 * the text body, the HTML body, then the attachments in order. Undefined for a part that is not there.
 */
export async function extractPart(raw: Buffer, partId: string): Promise<ExtractedPart | undefined> {
  let mail;
  try {
    mail = await simpleParser(raw, {
      skipHtmlToText: true,
      skipTextToHtml: true,
      keepCidLinks: true,
      maxChildNodes: MAX_MIME_PARTS,
      maxHeadSize: MAX_PART_HEADER_BYTES,
    });
  } catch {
    return undefined;
  }
  if (partId === TEXT_PART_ID) {
    return typeof mail.text === 'string' && mail.text.trim().length > 0
      ? { data: Buffer.from(mail.text, 'utf8'), type: 'text/plain; charset=utf-8' }
      : undefined;
  }
  if (partId === HTML_PART_ID) {
    return typeof mail.html === 'string' && mail.html.length > 0
      ? { data: Buffer.from(mail.html, 'utf8'), type: 'text/html; charset=utf-8' }
      : undefined;
  }
  if (!/^[1-9][0-9]{0,4}$/.test(partId)) return undefined;
  const attachment = mail.attachments[Number(partId) - 3];
  if (!attachment) return undefined;
  return { data: attachment.content, type: attachment.contentType || 'application/octet-stream' };
}
