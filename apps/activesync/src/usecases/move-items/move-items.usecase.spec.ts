import {
  child,
  childText,
  children,
  COMMON_STATUS,
  easRequests,
  el,
  MOVE_ITEMS_STATUS,
  type WbxmlElement,
} from '@pushmail/activesync';
import { describe, expect, it } from 'vitest';
import { MailboxError } from '../../mailbox/mailbox-client.js';
import type { MailFolder, MailStore, Refusals } from '../../mailbox/mail-store.js';
import type { EasReply } from '../../protocol/eas-command.js';
import type { SyncStore } from '../../state/sync-store.js';
import { allowedStanding } from '../../testing/device-standing.js';
import { MoveItems } from './move-items.usecase.js';
import { commandContext as context } from '../../testing/command-context.js';

const FOLDERS: MailFolder[] = [
  { id: 'inbox', parentId: null, name: 'Inbox', role: 'inbox' },
  { id: 'projects', parentId: null, name: 'Projects', role: null },
];

/** A device holding M1, M2 and M3 in its Inbox; `move` is what mailbox does with each move. */
function setUp(move: (id: string) => string | undefined | Error = () => undefined) {
  const calls: string[] = [];
  const mail = {
    folders: () => Promise.resolve(FOLDERS),
    move: (_account: string, ids: string[]): Promise<Refusals> => {
      const id = ids[0]!;
      calls.push(id);
      const outcome = move(id);
      if (outcome instanceof Error) return Promise.reject(outcome);
      return Promise.resolve(new Map(outcome === undefined ? [] : [[id, outcome]]));
    },
  } as unknown as MailStore;
  const held: Record<string, Record<string, object>> = { inbox: { M1: {}, M2: {}, M3: {} }, projects: {} };
  const store = {
    syncState: (_account: string, _device: string, collectionId: string) =>
      Promise.resolve(held[collectionId] ? { items: held[collectionId] } : null),
    adjustHeld: (
      _account: string,
      _device: string,
      collectionId: string,
      adjust: (items: Record<string, object>) => void,
    ) => Promise.resolve(adjust(held[collectionId]!)),
  } as unknown as SyncStore;
  return { calls, held, command: new MoveItems(mail, store) };
}

/** A MoveItems of several messages, each [id, from, to]. */
function moveItems(...moves: Array<[string, string, string]>): WbxmlElement {
  const request = el('Move', 'MoveItems');
  for (const [id, from, to] of moves)
    request.children.push(child(easRequests.moveItem(id, from, to), 'Move')!);
  return request;
}

/** M1, M2 and M3 moved from the Inbox to projects, in that order. */
const threeToProjects = () =>
  moveItems(['M1', 'inbox', 'projects'], ['M2', 'inbox', 'projects'], ['M3', 'inbox', 'projects']);

function answers(reply: EasReply): Array<[string | undefined, string | undefined]> {
  if (!('body' in reply)) return [];
  return children(reply.body, 'Response').map((response) => [
    childText(response, 'SrcMsgId'),
    childText(response, 'Status'),
  ]);
}

const S = MOVE_ITEMS_STATUS;

describe(MoveItems.name, () => {
  it('answers each refusal with its own Status: 1 unknown source, 2 unknown destination, 4 the same folder', async () => {
    const { command, calls } = setUp();
    const reply = await command.execute(
      context(
        moveItems(
          ['M1', 'projects', 'inbox'],
          ['M1', 'no-such-folder', 'projects'],
          ['M1', 'inbox', 'no-such-folder'],
          ['M1', 'inbox', 'inbox'],
          ['M2', 'inbox', 'projects'],
        ),
      ),
    );
    expect(answers(reply)).toEqual([
      ['M1', String(S.InvalidSource)],
      ['M1', String(S.InvalidSource)],
      ['M1', String(S.InvalidDestination)],
      ['M1', String(S.SameSourceAndDestination)],
      ['M2', String(S.Success)],
    ]);
    expect(calls).toEqual(['M2']);
  });

  it("maps mailbox's refusals: a message gone is 1, a destination gone is 2, anything else 5", async () => {
    const refusals: Record<string, string> = { M1: 'notFound', M2: 'invalidProperties', M3: 'forbidden' };
    const { command, held } = setUp((id) => refusals[id]);
    const reply = await command.execute(context(threeToProjects()));
    expect(answers(reply)).toEqual([
      ['M1', String(S.InvalidSource)],
      ['M2', String(S.InvalidDestination)],
      ['M3', String(S.Failure)],
    ]);
    expect(Object.keys(held['inbox']!)).toEqual(['M1', 'M2', 'M3']);
  });

  it('answers 7 (retry) for a move mailbox could not be reached for, and does not try the moves after it', async () => {
    const { command, calls, held } = setUp((id) =>
      id === 'M2' ? new MailboxError('unavailable', 'connection refused') : undefined,
    );
    const reply = await command.execute(context(threeToProjects()));
    expect(answers(reply)).toEqual([
      ['M1', String(S.Success)],
      ['M2', String(S.Locked)],
      ['M3', String(S.Locked)],
    ]);
    expect(calls).toEqual(['M1', 'M2']);
    expect(Object.keys(held['inbox']!)).toEqual(['M2', 'M3']);
    expect(Object.keys(held['projects']!)).toEqual(['M1']);
  });

  it('lets a failure of mailbox that is not transient through', async () => {
    const { command } = setUp(() => new Error('a bug'));
    await expect(command.execute(context(moveItems(['M1', 'inbox', 'projects'])))).rejects.toThrow('a bug');
  });

  it('answers a quarantined device the common AccessDenied (130) as the MoveItems Status, moving nothing', async () => {
    const { command, calls } = setUp();
    const reply = await command.execute(
      context(moveItems(['M1', 'inbox', 'projects']), { ...allowedStanding(), access: 'quarantined' }),
    );
    expect('body' in reply && childText(reply.body, 'Status')).toBe(String(COMMON_STATUS.AccessDenied));
    expect(answers(reply)).toEqual([]);
    expect(calls).toEqual([]);
  });
});
