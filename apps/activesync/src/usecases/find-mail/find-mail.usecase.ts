import { Inject, Injectable } from '@nestjs/common';
import { child, childText, COMMON_STATUS, el, elementsOf, FIND_STATUS } from '@pushmail/activesync';
import { MailStore } from '../../mailbox/mail-store.js';
import { searchRange, searchText } from '../../mailbox/search-request.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { statusReply } from '../../protocol/refusal.js';
import { easDate, formatAddresses } from '../../sync/email-item.js';
import { seesQuarantineView } from '../../sync/folder-view.js';

const f = elementsOf('Find');

/**
 * Find (16.1) in the mailbox by free text, in one folder or all, newest first, at most 100 per
 * request; each result carries what a list shows (subject, sender, date, preview, read). The GAL
 * is not searched: pushmail has no address book, and says so with Status 2. A quarantined device
 * finds nothing: it is answered the common 130 (AccessDenied).
 */
@Injectable()
export class FindMail implements EasCommand {
  readonly command = 'Find';

  constructor(@Inject(MailStore) private readonly mail: MailStore) {}

  async execute(context: EasCommandContext): Promise<EasReply> {
    // A quarantined device may see nothing of the mailbox but the notice in its Inbox. Find's own
    // table has only 1 (success) and 2 (invalid request), and 2 would call a valid request malformed;
    // the common 130 (AccessDenied, [MS-ASCMD] 2.2.2) says what holds, and a phone does not retry it.
    // Asked before the request is read, so the mailbox is not searched at all.
    if (seesQuarantineView(context.standing)) return statusReply(this.command, COMMON_STATUS.AccessDenied);
    const invalid = statusReply(this.command, FIND_STATUS.InvalidRequest);
    const execute = context.body ? child(context.body, 'ExecuteSearch', 'Find') : undefined;
    const criterion = execute ? child(execute, 'MailBoxSearchCriterion', 'Find') : undefined;
    const query = criterion ? child(criterion, 'Query', 'Find') : undefined;
    if (!query) return invalid;
    const text = searchText(childText(query, 'FreeText', 'Find'));
    const className = childText(query, 'Class', 'AirSync');
    if (!text || (className !== undefined && className !== 'Email')) return invalid;
    const collectionId = childText(query, 'CollectionId', 'AirSync');
    const options = child(criterion!, 'Options', 'Find');
    const range = searchRange(options && childText(options, 'Range', 'Find'));
    if (!range) return invalid;
    const { first } = range;
    const { accountId } = context.device;
    const { ids, total } = await this.mail.search(accountId, text, collectionId, first, range.count);
    const details = await this.mail.emails(accountId, ids, { text: false, html: false });
    const results = details.map((detail) =>
      f(
        'Result',
        el('AirSync', 'Class', 'Email'),
        el('AirSync', 'ServerId', detail.id),
        el('AirSync', 'CollectionId', collectionId ?? detail.mailboxIds[0] ?? ''),
        f(
          'Properties',
          el('Email', 'Subject', detail.subject),
          el('Email', 'DateReceived', easDate(detail.receivedAt)),
          el('Email', 'DisplayTo', detail.to.map((address) => address.name ?? address.email).join('; ')),
          detail.cc.length > 0 && f('DisplayCc', formatAddresses(detail.cc)),
          f('Preview', detail.preview.slice(0, 255)),
          f('HasAttachments', detail.hasAttachment ? '1' : '0'),
          el('Email', 'From', formatAddresses(detail.from)),
          el('Email', 'Read', detail.flags.read ? '1' : '0'),
        ),
      ),
    );
    return {
      body: f(
        'Find',
        f('Status', String(FIND_STATUS.Success)),
        f(
          'Response',
          el('ItemOperations', 'Store', 'Mailbox'),
          f('Status', String(FIND_STATUS.Success)),
          ...results,
          results.length > 0 && f('Range', `${first}-${first + results.length - 1}`),
          f('Total', String(total)),
        ),
      ),
    };
  }
}
