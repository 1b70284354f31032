import { type Selectable, sql } from 'kysely';
import type { EntityManager } from 'typeorm';
import type { AccountWrite } from '../changes/account-write.js';
import type { EmailAddressValue } from '../emails/email.js';
import { mailboxDb, runQuery } from '../store/query-builder.js';
import type { IdentitiesTable } from '../store/schema.generated.js';
import { defaultIdentityId, type Identity, sameAddress } from './identity.js';

const IDENTITY_COLUMNS = [
  'id',
  'name',
  'email',
  'reply_to',
  'bcc',
  'text_signature',
  'html_signature',
  'may_delete',
] as const;

type IdentityRow = Pick<Selectable<IdentitiesTable>, (typeof IDENTITY_COLUMNS)[number]>;

function identityOf(row: IdentityRow): Identity {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    replyTo: row.reply_to as EmailAddressValue[] | null,
    bcc: row.bcc as EmailAddressValue[] | null,
    textSignature: row.text_signature,
    htmlSignature: row.html_signature,
    mayDelete: row.may_delete,
  };
}

/** The columns of what a client may change of an identity. */
function editableColumns(identity: Identity) {
  return {
    name: identity.name,
    reply_to: JSON.stringify(identity.replyTo),
    bcc: JSON.stringify(identity.bcc),
    text_signature: identity.textSignature,
    html_signature: identity.htmlSignature,
  };
}

export async function listIdentities(
  manager: EntityManager,
  accountId: string,
  ids: readonly string[] | null = null,
): Promise<Identity[]> {
  const rows = await runQuery(
    manager,
    mailboxDb
      .selectFrom('mailbox.identities')
      .select(IDENTITY_COLUMNS)
      .where('account_id', '=', accountId)
      .$if(ids !== null, (query) => query.where('id', '=', sql<string>`ANY(${ids}::text[])`))
      .orderBy('id'),
  );
  return rows.map(identityOf);
}

/**
 * The account's own address as an identity that cannot be destroyed. The address is the one the
 * account has now (the edge passes it with each request): identities of an address the account no
 * longer has are kept, but cannot be sent from.
 */
export async function ensureDefaultIdentity(write: AccountWrite, address: string): Promise<void> {
  const id = defaultIdentityId(write.accountId);
  const rows: Array<{ email: string }> = await write.manager.query(
    'SELECT email FROM mailbox.identities WHERE id = $1 AND account_id = $2',
    [id, write.accountId],
  );
  if (rows[0] && sameAddress(rows[0].email, address)) return;
  await write.manager.query(
    `INSERT INTO mailbox.identities (id, account_id, email, may_delete, created_modseq, updated_modseq)
     VALUES ($1, $2, $3, false, $4, $4)
     ON CONFLICT (id) DO UPDATE SET email = excluded.email, updated_modseq = excluded.updated_modseq`,
    [id, write.accountId, address, write.modseq],
  );
  write.record('Identity', id, rows[0] ? 'updated' : 'created');
}

export async function insertIdentity(write: AccountWrite, identity: Identity): Promise<void> {
  await runQuery(
    write.manager,
    mailboxDb.insertInto('mailbox.identities').values({
      id: identity.id,
      account_id: write.accountId,
      email: identity.email,
      may_delete: identity.mayDelete,
      ...editableColumns(identity),
      created_modseq: write.modseq,
      updated_modseq: write.modseq,
    }),
  );
  write.record('Identity', identity.id, 'created');
}

export async function updateIdentity(write: AccountWrite, identity: Identity): Promise<void> {
  await runQuery(
    write.manager,
    mailboxDb
      .updateTable('mailbox.identities')
      .set({ ...editableColumns(identity), updated_modseq: write.modseq })
      .where('id', '=', identity.id)
      .where('account_id', '=', write.accountId),
  );
  write.record('Identity', identity.id, 'updated');
}

export async function destroyIdentity(write: AccountWrite, id: string): Promise<void> {
  await runQuery(
    write.manager,
    mailboxDb.deleteFrom('mailbox.identities').where('id', '=', id).where('account_id', '=', write.accountId),
  );
  write.record('Identity', id, 'destroyed');
}
