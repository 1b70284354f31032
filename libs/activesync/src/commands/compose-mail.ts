// SendMail, SmartReply and SmartForward ([MS-ASCMD] 2.2.1.17, 2.2.1.20, 2.2.1.19) with the
// ComposeMail body of protocol 14.0 and later.
import { children, el, type WbxmlElement } from '../wbxml/wbxml.js';
import { COMMON_STATUS, RequestReader } from './common.js';

export type ComposeCommand = 'SendMail' | 'SmartReply' | 'SmartForward';

/** The largest MIME message accepted unless the caller says otherwise. */
export const DEFAULT_MAX_MIME_BYTES = 25 * 1024 * 1024;

export interface ComposeMailRequest {
  command: ComposeCommand;
  clientId: string;
  accountId?: string;
  saveInSentItems: boolean;
  /** SmartReply/SmartForward: the MIME replaces the original instead of quoting it. */
  replaceMime: boolean;
  mime: Buffer;
  /** SmartReply/SmartForward: the message answered or forwarded. */
  source?: { folderId?: string; itemId?: string; longId?: string; instanceId?: string };
  /** SmartForward (16.0 and later): recipients added to the forward. */
  forwardees: Array<{ name?: string; email: string }>;
}

/**
 * Reads a SendMail, SmartReply or SmartForward body. Throws ActiveSyncCommandError with common
 * status 103 (InvalidXML) for a malformed one, 107 (InvalidMIME) for a missing message and 122
 * (AttachmentIsTooLarge) for one above `maxMimeBytes`; answer with {@link buildComposeMailStatus}.
 */
export function readComposeMailRequest(
  root: WbxmlElement,
  options: { maxMimeBytes?: number } = {},
): ComposeMailRequest {
  const command = root.tag as ComposeCommand;
  if (root.page !== 'ComposeMail' || !['SendMail', 'SmartReply', 'SmartForward'].includes(root.tag)) {
    new RequestReader('SendMail', COMMON_STATUS.InvalidXML).fail('the body is not a ComposeMail command');
  }
  const r = new RequestReader(command, COMMON_STATUS.InvalidXML);
  const mimeElement = r.one(root, 'Mime', 'ComposeMail');
  const maxMimeBytes = options.maxMimeBytes ?? DEFAULT_MAX_MIME_BYTES;
  const mime = r.bytes(mimeElement, 'Mime', maxMimeBytes, COMMON_STATUS.AttachmentIsTooLarge);
  if (!mime || mime.length === 0) return r.fail('the message is missing', COMMON_STATUS.InvalidMIME);
  const request: ComposeMailRequest = {
    command,
    clientId: r.requiredText(root, 'ClientId', 'ComposeMail', 40),
    saveInSentItems: r.flag(root, 'SaveInSentItems', 'ComposeMail') === true,
    replaceMime: r.flag(root, 'ReplaceMime', 'ComposeMail') === true,
    mime,
    forwardees: [],
  };
  const accountId = r.optionalText(root, 'AccountId', 'ComposeMail', 256);
  if (accountId !== undefined) request.accountId = accountId;
  const source = r.one(root, 'Source', 'ComposeMail');
  if (command !== 'SendMail') {
    if (!source) return r.fail(`${command} lacks Source`);
    const parsed: NonNullable<ComposeMailRequest['source']> = {};
    for (const [tag, field] of [
      ['FolderId', 'folderId'],
      ['ItemId', 'itemId'],
      ['LongId', 'longId'],
      ['InstanceId', 'instanceId'],
    ] as const) {
      const value = r.optionalText(source, tag, 'ComposeMail', 256);
      if (value !== undefined) parsed[field] = value;
    }
    if (parsed.itemId === undefined && parsed.longId === undefined) r.fail('Source names no message');
    if (parsed.itemId !== undefined && parsed.folderId === undefined)
      r.fail('Source has ItemId without FolderId');
    request.source = parsed;
  } else if (source) {
    r.fail('SendMail has no Source');
  }
  const forwardees = r.one(root, 'Forwardees', 'ComposeMail');
  if (forwardees) {
    if (command !== 'SmartForward') r.fail('only SmartForward has Forwardees');
    request.forwardees = children(forwardees, 'Forwardee', 'ComposeMail').map((f) => {
      const entry: { name?: string; email: string } = {
        email: r.requiredText(f, 'ForwardeeEmail', 'ComposeMail', 320),
      };
      const name = r.optionalText(f, 'ForwardeeName', 'ComposeMail', 256);
      if (name !== undefined) entry.name = name;
      return entry;
    });
  }
  return request;
}

/** The body of a failed SendMail/SmartReply/SmartForward; success is answered with an empty body. */
export function buildComposeMailStatus(command: ComposeCommand, status: number): WbxmlElement {
  return el('ComposeMail', command, el('ComposeMail', 'Status', String(status)));
}
