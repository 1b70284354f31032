import { Injectable } from '@nestjs/common';
import { childText, children, elementsOf, MEETING_RESPONSE_STATUS } from '@pushmail/activesync';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';

const m = elementsOf('MeetingResponse');

/**
 * MeetingResponse: pushmail is mail only and keeps no calendar, so no message is a meeting request
 * it could accept or decline. Each request is answered Status 2 (invalid meeting request), plainly,
 * rather than reported as accepted when nothing was sent to the organiser. A quarantined device gets
 * the same 2: the answer depends on no mail (mailbox is not asked) and is true of the notice too, and
 * 2 is not retried, where 3 (mailbox error) and 4 (server error) would be.
 */
@Injectable()
export class AnswerMeetings implements EasCommand {
  readonly command = 'MeetingResponse';

  async execute(context: EasCommandContext): Promise<EasReply> {
    const requests = context.body ? children(context.body, 'Request', 'MeetingResponse') : [];
    if (requests.length === 0)
      return {
        body: m(
          'MeetingResponse',
          m('Result', m('Status', String(MEETING_RESPONSE_STATUS.InvalidMeetingRequest))),
        ),
      };
    return {
      body: m(
        'MeetingResponse',
        ...requests.slice(0, 100).map((request) => {
          const id = childText(request, 'RequestId', 'MeetingResponse');
          return m(
            'Result',
            id !== undefined && m('RequestId', id.slice(0, 256)),
            m('Status', String(MEETING_RESPONSE_STATUS.InvalidMeetingRequest)),
          );
        }),
      ),
    };
  }
}
