import { Inject, Injectable } from '@nestjs/common';
import { child, childText, el, elementsOf, SEARCH_STATUS, type WbxmlElement } from '@pushmail/activesync';
import { MailStore } from '../../mailbox/mail-store.js';
import { FIRST_RESULTS, searchRange, searchText } from '../../mailbox/search-request.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { statusReply } from '../../protocol/refusal.js';
import { bodyOptionsOf, chosenPreference } from '../../sync/body-preference.js';
import { emailApplicationData, servedBody } from '../../sync/email-item.js';
import { seesQuarantineView } from '../../sync/folder-view.js';

const s = elementsOf('Search');

/** Search of the Mailbox store by free text, in one folder or all; other stores are refused plainly. */
@Injectable()
export class SearchMailbox implements EasCommand {
  readonly command = 'Search';

  constructor(@Inject(MailStore) private readonly mail: MailStore) {}

  async execute(context: EasCommandContext): Promise<EasReply> {
    const store = context.body ? child(context.body, 'Store', 'Search') : undefined;
    if (!store) return statusReply(this.command, SEARCH_STATUS.InvalidRequest);
    const answer = (status: number, ...content: WbxmlElement[]) =>
      ({
        body: s(
          'Search',
          s('Status', String(SEARCH_STATUS.Success)),
          s('Response', s('Store', s('Status', String(status)), ...content)),
        ),
      }) as EasReply;
    if (childText(store, 'Name', 'Search')?.toLowerCase() !== 'mailbox')
      return answer(SEARCH_STATUS.InvalidRequest);
    // The request is fine; this device may not see the mailbox until an administrator allows it.
    if (seesQuarantineView(context.standing)) return answer(SEARCH_STATUS.AccessDenied);
    const query = child(store, 'Query', 'Search');
    const and = query ? (child(query, 'And', 'Search') ?? query) : undefined;
    const text = searchText(and && childText(and, 'FreeText', 'Search'));
    if (!text) return answer(SEARCH_STATUS.InvalidRequest);
    const collectionId = and ? childText(and, 'CollectionId', 'AirSync') : undefined;
    const options = child(store, 'Options', 'Search');
    // A malformed Range is read as none.
    const { first, count } = searchRange(options && childText(options, 'Range', 'Search')) ?? FIRST_RESULTS;
    const { ids, total } = await this.mail.search(context.device.accountId, text, collectionId, first, count);
    const details = await this.mail.emails(context.device.accountId, ids, { text: true, html: true });
    const preference = chosenPreference(bodyOptionsOf(options));
    const results = details.map((detail) =>
      s(
        'Result',
        el('AirSync', 'Class', 'Email'),
        s('LongId', detail.id),
        el('AirSync', 'CollectionId', detail.mailboxIds[0] ?? ''),
        emailApplicationData(detail, servedBody(detail, preference), 'Properties', 'Search'),
      ),
    );
    const end = details.length === 0 ? first : first + details.length - 1;
    return answer(
      SEARCH_STATUS.Success,
      ...results,
      s('Range', `${first}-${end}`),
      s('Total', String(total)),
    );
  }
}
