import { Inject, Injectable } from '@nestjs/common';
import { DEFAULT_CORE_LIMITS, isObject, type MethodContext, type SetError, setError } from '@pushmail/jmap';
import { destroyEmail, lockEmails, updateEmail } from '../../emails/email-store.js';
import { newMailboxId } from '../../ids/random-id.js';
import { optionalBoolean, setArguments } from '../../jmap/methods/arguments.js';
import { DeviceChanges, SetResults } from '../../jmap/methods/device-change.js';
import { resolveCreationId } from '../../jmap/methods/email.methods.js';
import { loadMailboxNodes } from '../../mailboxes/load-mailboxes.js';
import { mailboxName } from '../../mailboxes/mailbox-name.js';
import { OWNER_RIGHTS } from '../../mailboxes/mailbox-rights.js';
import {
  depthUnder,
  MAX_MAILBOX_DEPTH,
  type MailboxNode,
  siblingNamed,
  subtreeHeight,
  wouldCycle,
} from '../../mailboxes/mailbox-tree.js';

const SETTABLE = ['name', 'parentId', 'role', 'sortOrder', 'isSubscribed'];

/**
 * Mailbox/set (RFC 8621 §2.5): nested mailboxes with unique sibling names. The six role mailboxes
 * every account has can be renamed and moved but not destroyed nor given up their role.
 */
@Injectable()
export class SetMailboxesUseCase {
  constructor(@Inject(DeviceChanges) private readonly changes: DeviceChanges) {}

  async execute(args: Record<string, unknown>, context: MethodContext): Promise<Record<string, unknown>> {
    const { accountId } = context;
    const { ifInState, create, update, destroy } = setArguments(args, DEFAULT_CORE_LIMITS.maxObjectsInSet);
    const removeEmails = optionalBoolean(args, 'onDestroyRemoveEmails', false);
    const resolve = (id: string) => resolveCreationId(id, context);

    let results = new SetResults<Record<string, unknown>>();

    const change = await this.changes.apply(
      accountId,
      'Mailbox',
      ifInState,
      async (write) => {
        results = new SetResults<Record<string, unknown>>(); // it may run again (AccountChanges.write)
        const { created, notCreated, updated, notUpdated, destroyed, notDestroyed } = results;
        const { manager } = write;
        const nodes = await loadMailboxNodes(manager, accountId, true);

        for (const [creationId, value] of Object.entries(create)) {
          const checked = validate(value, null, nodes, resolve);
          if ('error' in checked) {
            notCreated[creationId] = checked.error;
            continue;
          }
          const node = { ...checked.node, id: newMailboxId() };
          await manager.query(
            `INSERT INTO mailbox.mailboxes (id, account_id, name, role, parent_id, sort_order, is_subscribed, created_modseq, updated_modseq)
           VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $7)`,
            [node.id, accountId, node.name, node.parentId, node.sortOrder, node.isSubscribed, write.modseq],
          );
          nodes.set(node.id, node);
          write.record('Mailbox', node.id, 'created');
          context.createdIds.set(creationId, node.id);
          created[creationId] = {
            id: node.id,
            // Sent back when the store changed it (to NFC), as RFC 8620 §5.3 asks of such values.
            ...(isObject(value) && value['name'] !== node.name ? { name: node.name } : {}),
            sortOrder: node.sortOrder,
            isSubscribed: node.isSubscribed,
            totalEmails: 0,
            unreadEmails: 0,
            totalThreads: 0,
            unreadThreads: 0,
            myRights: { ...OWNER_RIGHTS },
          };
        }

        for (const [rawId, patch] of Object.entries(update)) {
          const id = resolve(rawId);
          const current = nodes.get(id);
          if (!current) {
            notUpdated[rawId] = setError('notFound');
            continue;
          }
          const checked = validate(patch, current, nodes, resolve);
          if ('error' in checked) {
            notUpdated[rawId] = checked.error;
            continue;
          }
          const next = checked.node;
          await manager.query(
            `UPDATE mailbox.mailboxes SET name = $3, parent_id = $4, sort_order = $5, is_subscribed = $6, updated_modseq = $7
            WHERE account_id = $1 AND id = $2`,
            [accountId, id, next.name, next.parentId, next.sortOrder, next.isSubscribed, write.modseq],
          );
          nodes.set(id, { ...next, id });
          write.record('Mailbox', id, 'updated');
          updated[id] =
            isObject(patch) && 'name' in patch && patch['name'] !== next.name ? { name: next.name } : null;
        }

        // Children first, so a parent destroyed together with its children is empty by its turn.
        const destroyIds = destroy.map(resolve);
        const depth = (id: string) => (nodes.has(id) ? depthUnder(nodes, nodes.get(id)!.parentId) : 0);
        for (const id of [...destroyIds].sort((a, b) => depth(b) - depth(a))) {
          const current = nodes.get(id);
          if (!current) {
            notDestroyed[id] = setError('notFound');
            continue;
          }
          if (current.role !== null) {
            notDestroyed[id] = setError('forbidden', `the ${current.role} mailbox cannot be destroyed`);
            continue;
          }
          if ([...nodes.values()].some((node) => node.parentId === id)) {
            notDestroyed[id] = setError('mailboxHasChild', 'destroy or move its child mailboxes first');
            continue;
          }
          const held: Array<{ id: string }> = await manager.query(
            `SELECT id FROM mailbox.emails WHERE account_id = $1 AND mailbox_ids @> jsonb_build_object($2::text, true)`,
            [accountId, id],
          );
          if (held.length > 0 && !removeEmails) {
            notDestroyed[id] = setError(
              'mailboxHasEmail',
              'it holds emails; set onDestroyRemoveEmails to remove them',
            );
            continue;
          }
          const emails = await lockEmails(
            write,
            held.map((row) => row.id),
          );
          for (const email of emails.values()) {
            const { [id]: _removed, ...rest } = email.mailboxIds;
            // An email only here goes with the mailbox; one also elsewhere just leaves it.
            if (Object.keys(rest).length === 0) await destroyEmail(write, email);
            else await updateEmail(write, email, { mailboxIds: rest, keywords: email.keywords });
          }
          await manager.query('DELETE FROM mailbox.mailboxes WHERE account_id = $1 AND id = $2', [
            accountId,
            id,
          ]);
          nodes.delete(id);
          write.record('Mailbox', id, 'destroyed');
          destroyed.push(id);
        }
      },
      () => 'mailbox',
    );
    return results.answer(accountId, change);
  }
}

/**
 * A create (current null) or an update, checked against the account's tree; returns the mailbox as it
 * would be. Role changes are forbidden: every role has its one mailbox already.
 */
function validate(
  value: unknown,
  current: MailboxNode | null,
  nodes: ReadonlyMap<string, MailboxNode>,
  resolve: (id: string) => string,
): { node: Omit<MailboxNode, 'id'> } | { error: SetError } {
  if (!isObject(value))
    return { error: setError('invalidProperties', 'a Mailbox must be an object', { properties: ['*'] }) };
  const unknown = Object.keys(value).filter((key) => !SETTABLE.includes(key));
  if (unknown.length > 0) {
    return {
      error: setError('invalidProperties', 'server-set or unknown properties', { properties: unknown }),
    };
  }
  const node: Omit<MailboxNode, 'id'> = current
    ? { ...current }
    : { name: '', parentId: null, role: null, sortOrder: 0, isSubscribed: true };
  const bad: string[] = [];
  if ('name' in value) {
    const name = mailboxName(value['name']);
    if (name === null) bad.push('name');
    else node.name = name;
  } else if (!current) bad.push('name');
  if ('parentId' in value) {
    const parentId = value['parentId'];
    if (parentId === null) node.parentId = null;
    else if (typeof parentId === 'string' && nodes.has(resolve(parentId))) node.parentId = resolve(parentId);
    else bad.push('parentId');
  }
  if ('sortOrder' in value) {
    const sortOrder = value['sortOrder'];
    if (
      typeof sortOrder !== 'number' ||
      !Number.isInteger(sortOrder) ||
      sortOrder < 0 ||
      sortOrder > 2 ** 31 - 1
    )
      bad.push('sortOrder');
    else node.sortOrder = sortOrder;
  }
  if ('isSubscribed' in value) {
    if (typeof value['isSubscribed'] !== 'boolean') bad.push('isSubscribed');
    else node.isSubscribed = value['isSubscribed'];
  }
  if ('role' in value && value['role'] !== (current?.role ?? null)) {
    return {
      error: current?.role
        ? setError('forbidden', `the ${current.role} mailbox keeps its role`)
        : setError('invalidProperties', 'every role already has its mailbox', { properties: ['role'] }),
    };
  }
  if (bad.length > 0)
    return {
      error: setError('invalidProperties', 'these properties have invalid values', { properties: bad }),
    };

  const id = current?.id ?? null;
  if (id !== null && wouldCycle(nodes, id, node.parentId)) {
    return {
      error: setError('invalidProperties', 'a mailbox cannot be inside itself', { properties: ['parentId'] }),
    };
  }
  const height = id === null ? 1 : subtreeHeight(nodes, id);
  if (depthUnder(nodes, node.parentId) + height - 1 > MAX_MAILBOX_DEPTH) {
    return {
      error: setError('invalidProperties', `mailboxes nest at most ${MAX_MAILBOX_DEPTH} deep`, {
        properties: ['parentId'],
      }),
    };
  }
  const sibling = siblingNamed(nodes, node.parentId, node.name, id);
  if (sibling) {
    return {
      error: setError('invalidProperties', 'a sibling mailbox has this name', {
        properties: ['name'],
        existingId: sibling.id,
      }),
    };
  }
  return { node };
}
