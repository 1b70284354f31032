import { Inject, Injectable } from '@nestjs/common';
import { childText, children, elementsOf } from '@pushmail/activesync';
import { MailStore } from '../../mailbox/mail-store.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { SyncStore } from '../../state/sync-store.js';

/** MoveItems statuses ([MS-ASCMD] 2.2.3.177.9). */
const MoveStatus = {
  InvalidSource: 1,
  InvalidDestination: 2,
  Success: 3,
  SameFolder: 4,
  Failure: 5,
} as const;

const m = elementsOf('Move');

/**
 * MoveItems: a message the device holds in one folder moves to another through mailbox (a JMAP
 * change every other device sees). The message keeps its id, so its new ServerId is its old one;
 * the device is counted as holding it in the destination, and no Delete for the source is echoed.
 */
@Injectable()
export class MoveItems implements EasCommand {
  readonly command = 'MoveItems';

  constructor(
    @Inject(MailStore) private readonly mail: MailStore,
    @Inject(SyncStore) private readonly store: SyncStore,
  ) {}

  async execute(context: EasCommandContext): Promise<EasReply> {
    const { accountId, deviceId } = context.device;
    const moves = context.body ? children(context.body, 'Move', 'Move') : [];
    const folders = new Set((await this.mail.folders(accountId)).map((folder) => folder.id));
    const responses = [];
    for (const move of moves) {
      const source = childText(move, 'SrcMsgId', 'Move') ?? '';
      const from = childText(move, 'SrcFldId', 'Move') ?? '';
      const to = childText(move, 'DstFldId', 'Move') ?? '';
      const answer = (status: number) =>
        m(
          'Response',
          m('SrcMsgId', source.slice(0, 64)),
          m('Status', String(status)),
          status === MoveStatus.Success && m('DstMsgId', source),
        );
      const held = (await this.store.syncState(accountId, deviceId, from))?.items[source];
      if (context.standing.access === 'quarantined' || !folders.has(from) || !held) {
        responses.push(answer(MoveStatus.InvalidSource));
        continue;
      }
      if (!folders.has(to)) {
        responses.push(answer(MoveStatus.InvalidDestination));
        continue;
      }
      if (from === to) {
        responses.push(answer(MoveStatus.SameFolder));
        continue;
      }
      const failed = await this.mail.move(accountId, [source], to);
      if (failed.has(source)) {
        responses.push(answer(MoveStatus.InvalidSource));
        continue;
      }
      await this.store.adjustHeld(accountId, deviceId, from, (items) => delete items[source]);
      await this.store.adjustHeld(accountId, deviceId, to, (items) => (items[source] = { ...held }));
      responses.push(answer(MoveStatus.Success));
    }
    return { body: m('MoveItems', ...responses) };
  }
}
