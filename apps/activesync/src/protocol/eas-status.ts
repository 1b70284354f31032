import type { CodePageName } from '@pushmail/activesync';

/** The top element of each command's request and response, and the code page it lives on. */
export const COMMAND_ROOTS: Record<string, { page: CodePageName; tag: string }> = {
  Sync: { page: 'AirSync', tag: 'Sync' },
  FolderSync: { page: 'FolderHierarchy', tag: 'FolderSync' },
  FolderCreate: { page: 'FolderHierarchy', tag: 'FolderCreate' },
  FolderUpdate: { page: 'FolderHierarchy', tag: 'FolderUpdate' },
  FolderDelete: { page: 'FolderHierarchy', tag: 'FolderDelete' },
  Ping: { page: 'Ping', tag: 'Ping' },
  Provision: { page: 'Provision', tag: 'Provision' },
  Settings: { page: 'Settings', tag: 'Settings' },
  ItemOperations: { page: 'ItemOperations', tag: 'ItemOperations' },
  MoveItems: { page: 'Move', tag: 'MoveItems' },
  GetItemEstimate: { page: 'GetItemEstimate', tag: 'GetItemEstimate' },
  Search: { page: 'Search', tag: 'Search' },
  SendMail: { page: 'ComposeMail', tag: 'SendMail' },
  SmartReply: { page: 'ComposeMail', tag: 'SmartReply' },
  SmartForward: { page: 'ComposeMail', tag: 'SmartForward' },
  ResolveRecipients: { page: 'ResolveRecipients', tag: 'ResolveRecipients' },
  ValidateCert: { page: 'ValidateCert', tag: 'ValidateCert' },
  MeetingResponse: { page: 'MeetingResponse', tag: 'MeetingResponse' },
  Find: { page: 'Find', tag: 'Find' },
};

/** The commands this gateway answers, as OPTIONS advertises them. */
export const SUPPORTED_COMMANDS = [...Object.keys(COMMAND_ROOTS), 'GetAttachment'];

/** Whether the protocol version carries errors as Status values (14.1 and later) rather than HTTP codes. */
export function statusInBody(protocolVersion: string): boolean {
  return protocolVersion !== '14.0';
}
