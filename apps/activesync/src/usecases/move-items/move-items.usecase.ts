import { Inject, Injectable } from '@nestjs/common';
import {
  buildMoveItemsResponse,
  childText,
  children,
  COMMON_STATUS,
  MOVE_ITEMS_STATUS,
  type MoveItemsResponse,
} from '@pushmail/activesync';
import { MailStore } from '../../mailbox/mail-store.js';
import type { EasCommand, EasCommandContext, EasReply } from '../../protocol/eas-command.js';
import { mailboxFailureReply } from '../../protocol/mailbox-failure.js';
import { SyncStore } from '../../state/sync-store.js';
import { seesQuarantineView } from '../../sync/folder-view.js';

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
    // Until an administrator allows it the device moves nothing; per-move values would send it to
    // FolderSync (1) or have it retry (5, 7) for ever.
    if (seesQuarantineView(context.standing))
      return { body: buildMoveItemsResponse({ status: COMMON_STATUS.AccessDenied, responses: [] }) };
    const { accountId, deviceId } = context.device;
    const moves = context.body ? children(context.body, 'Move', 'Move') : [];
    const folders = new Set((await this.mail.folders(accountId)).map((folder) => folder.id));
    const responses: MoveItemsResponse['responses'] = [];
    let unreachable = false;
    for (const move of moves) {
      const source = childText(move, 'SrcMsgId', 'Move') ?? '';
      const from = childText(move, 'SrcFldId', 'Move') ?? '';
      const to = childText(move, 'DstFldId', 'Move') ?? '';
      const srcMsgId = source.slice(0, 64);
      const answer = (status: number) =>
        status === MOVE_ITEMS_STATUS.Success ? { srcMsgId, status, dstMsgId: source } : { srcMsgId, status };
      const held = (await this.store.syncState(accountId, deviceId, from))?.items[source];
      if (!folders.has(from) || !held) {
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
      // Once mailbox could not be reached, the moves after it are not tried: each would wait as long.
      const refusal = unreachable ? 'unreachable' : await this.moved(accountId, source, to);
      if (refusal !== undefined) {
        if (refusal === 'unreachable') unreachable = true;
        responses.push(answer(statusOfRefusal(refusal)));
        continue;
      }
      await this.store.adjustHeld(accountId, deviceId, from, (items) => delete items[source]);
      await this.store.adjustHeld(accountId, deviceId, to, (items) => (items[source] = { ...held }));
      responses.push(answer(MOVE_ITEMS_STATUS.Success));
    }
    return { body: buildMoveItemsResponse({ responses }) };
  }

  /** Undefined once moved; else mailbox's SetError type, or 'unreachable' for a transient failure. */
  private async moved(accountId: string, id: string, to: string): Promise<string | undefined> {
    try {
      return (await this.mail.move(accountId, [id], to)).get(id);
    } catch (error) {
      if (mailboxFailureReply(error)) return 'unreachable';
      throw error;
    }
  }
}

/** A refused move as its MoveItems Status. */
function statusOfRefusal(refusal: string): number {
  // The message is gone from the account since the device last synced.
  if (refusal === 'notFound') return MOVE_ITEMS_STATUS.InvalidSource;
  // mailboxIds named a mailbox the account no longer has: the destination went since the check.
  if (refusal === 'invalidProperties') return MOVE_ITEMS_STATUS.InvalidDestination;
  // Not reached or timed out (the move may have happened: a retry moves it to the same place again).
  if (refusal === 'unreachable') return MOVE_ITEMS_STATUS.Locked;
  return MOVE_ITEMS_STATUS.Failure;
}
