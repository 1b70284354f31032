import type { PartFields } from './body-structure.js';

/** What the lists are picked by: a part of the structure, read from the message or stored. */
export interface ListedPart<Part> extends Pick<PartFields, 'type' | 'disposition' | 'name'> {
  subParts: readonly Part[] | null;
}

/** The parts a reader shows in the text and HTML views of a message, and its attachments. */
export interface BodyLists<Part extends ListedPart<Part>> {
  textBody: Part[];
  htmlBody: Part[];
  attachments: Part[];
}

const isInlineMediaType = (type: string): boolean =>
  type.startsWith('image/') || type.startsWith('audio/') || type.startsWith('video/');

/**
 * `textBody`, `htmlBody` and `attachments` of a message, picked from the parts of its
 * `bodyStructure` by the algorithm of RFC 8621 §4.1.4, so that the three lists and the structure
 * name every part by the same `partId`. Linear in the number of parts.
 */
export function bodyLists<Part extends ListedPart<Part>>(structure: Part): BodyLists<Part> {
  const lists: BodyLists<Part> = { textBody: [], htmlBody: [], attachments: [] };
  parseStructure<Part>([structure], 'mixed', false, lists.htmlBody, lists.textBody, lists.attachments);
  return lists;
}

/** RFC 8621 §4.1.4's `parseStructure`, step for step; `null` lists are views no longer filled. */
function parseStructure<Part extends ListedPart<Part>>(
  parts: readonly Part[],
  multipartType: string,
  inAlternative: boolean,
  htmlBody: Part[] | null,
  textBody: Part[] | null,
  attachments: Part[],
): void {
  // For multipart/alternative: which parts each view had before this one.
  const textLength = textBody ? textBody.length : -1;
  const htmlLength = htmlBody ? htmlBody.length : -1;

  for (const [index, part] of parts.entries()) {
    const isInline =
      part.disposition !== 'attachment' &&
      // Must be one of the allowed body types.
      (part.type === 'text/plain' || part.type === 'text/html' || isInlineMediaType(part.type)) &&
      // If multipart/related, only the first part can be inline; otherwise, a text part with a
      // filename is taken to be an attachment.
      (index === 0 || (multipartType !== 'related' && (isInlineMediaType(part.type) || part.name === null)));

    if (part.subParts !== null) {
      const subMultiType = part.type.split('/')[1] ?? 'mixed';
      parseStructure(
        part.subParts,
        subMultiType,
        inAlternative || subMultiType === 'alternative',
        htmlBody,
        textBody,
        attachments,
      );
    } else if (isInline) {
      if (multipartType === 'alternative') {
        if (part.type === 'text/plain') textBody?.push(part);
        else if (part.type === 'text/html') htmlBody?.push(part);
        else attachments.push(part);
        continue;
      } else if (inAlternative) {
        if (part.type === 'text/plain') htmlBody = null;
        if (part.type === 'text/html') textBody = null;
      }
      textBody?.push(part);
      htmlBody?.push(part);
      if ((!textBody || !htmlBody) && isInlineMediaType(part.type)) attachments.push(part);
    } else {
      attachments.push(part);
    }
  }

  if (multipartType === 'alternative' && textBody && htmlBody) {
    // Found HTML but no text: the HTML stands in for the text, and the other way round.
    if (textLength === textBody.length && htmlLength !== htmlBody.length) {
      textBody.push(...htmlBody.slice(htmlLength));
    }
    if (htmlLength === htmlBody.length && textLength !== textBody.length) {
      htmlBody.push(...textBody.slice(textLength));
    }
  }
}
