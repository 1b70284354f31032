import { Inject, Injectable } from '@nestjs/common';
import {
  buildMoveItemsResponse,
  childText,
  children,
  MOVE_ITEMS_STATUS,
  type MoveItemsResponse,
} from '@pushmail/activesync';
import { MailStore } from '../../mailbox/mail-store.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { SyncStore } from '../../state/sync-store.js';

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
    const responses: MoveItemsResponse['responses'] = [];
    for (const move of moves) {
      const source = childText(move, 'SrcMsgId', 'Move') ?? '';
      const from = childText(move, 'SrcFldId', 'Move') ?? '';
      const to = childText(move, 'DstFldId', 'Move') ?? '';
      const srcMsgId = source.slice(0, 64);
      const answer = (status: number) =>
        status === MOVE_ITEMS_STATUS.Success ? { srcMsgId, status, dstMsgId: source } : { srcMsgId, status };
      const held = (await this.store.syncState(accountId, deviceId, from))?.items[source];
      if (context.standing.access === 'quarantined' || !folders.has(from) || !held) {
        responses.push(answer(MOVE_ITEMS_STATUS.InvalidSource));
        continue;
      }
      if (!folders.has(to)) {
        responses.push(answer(MOVE_ITEMS_STATUS.InvalidDestination));
        continue;
      }
      if (from === to) {
        responses.push(answer(MOVE_ITEMS_STATUS.SameSourceAndDestination));
        continue;
      }
      const failed = await this.mail.move(accountId, [source], to);
      if (failed.has(source)) {
        responses.push(answer(MOVE_ITEMS_STATUS.InvalidSource));
        continue;
      }
      await this.store.adjustHeld(accountId, deviceId, from, (items) => delete items[source]);
      await this.store.adjustHeld(accountId, deviceId, to, (items) => (items[source] = { ...held }));
      responses.push(answer(MOVE_ITEMS_STATUS.Success));
    }
    return { body: buildMoveItemsResponse({ responses }) };
  }
}
