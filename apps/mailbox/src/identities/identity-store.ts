import type { EntityManager } from 'typeorm';
import type { AccountWrite } from '../changes/account-write.js';
import type { EmailAddressValue } from '../emails/email.js';
import { defaultIdentityId, type Identity, sameAddress } from './identity.js';

interface IdentityRow {
  id: string;
  name: string;
  email: string;
  reply_to: EmailAddressValue[] | null;
  bcc: EmailAddressValue[] | null;
  text_signature: string;
  html_signature: string;
  may_delete: boolean;
}

function identityOf(row: IdentityRow): Identity {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    replyTo: row.reply_to,
    bcc: row.bcc,
    textSignature: row.text_signature,
    htmlSignature: row.html_signature,
    mayDelete: row.may_delete,
  };
}

export async function listIdentities(
  manager: EntityManager,
  accountId: string,
  ids: readonly string[] | null = null,
): Promise<Identity[]> {
  const rows: IdentityRow[] = await manager.query(
    `SELECT id, name, email, reply_to, bcc, text_signature, html_signature, may_delete
       FROM mailbox.identities
      WHERE account_id = $1 AND ($2::text[] IS NULL OR id = ANY($2::text[]))
      ORDER BY id`,
    [accountId, ids],
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
  await write.manager.query(
    `INSERT INTO mailbox.identities
       (id, account_id, name, email, reply_to, bcc, text_signature, html_signature, may_delete,
        created_modseq, updated_modseq)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
    [
      identity.id,
      write.accountId,
      identity.name,
      identity.email,
      JSON.stringify(identity.replyTo),
      JSON.stringify(identity.bcc),
      identity.textSignature,
      identity.htmlSignature,
      identity.mayDelete,
      write.modseq,
    ],
  );
  write.record('Identity', identity.id, 'created');
}

export async function updateIdentity(write: AccountWrite, identity: Identity): Promise<void> {
  await write.manager.query(
    `UPDATE mailbox.identities
        SET name = $3, reply_to = $4, bcc = $5, text_signature = $6, html_signature = $7, updated_modseq = $8
      WHERE id = $1 AND account_id = $2`,
    [
      identity.id,
      write.accountId,
      identity.name,
      JSON.stringify(identity.replyTo),
      JSON.stringify(identity.bcc),
      identity.textSignature,
      identity.htmlSignature,
      write.modseq,
    ],
  );
  write.record('Identity', identity.id, 'updated');
}

export async function destroyIdentity(write: AccountWrite, id: string): Promise<void> {
  await write.manager.query('DELETE FROM mailbox.identities WHERE id = $1 AND account_id = $2', [
    id,
    write.accountId,
  ]);
  write.record('Identity', id, 'destroyed');
}
