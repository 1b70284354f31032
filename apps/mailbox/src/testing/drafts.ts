import type { AccountJmap } from './mailbox-harness.js';

/**
 * Creates a plain-text draft in the Drafts mailbox `draftsId`, from `from` to bob@elsewhere.example,
 * its text its subject; answers the email's id.
 */
export async function createDraft(
  account: AccountJmap,
  draft: { draftsId: string; from: string; subject: string },
): Promise<string> {
  const result = await account.method('Email/set', {
    create: {
      m: {
        mailboxIds: { [draft.draftsId]: true },
        keywords: { $draft: true },
        from: [{ email: draft.from }],
        to: [{ email: 'bob@elsewhere.example' }],
        subject: draft.subject,
        textBody: [{ partId: 't', type: 'text/plain' }],
        bodyValues: { t: { value: draft.subject } },
      },
    },
  });
  return (result['created'] as Record<string, { id: string }>)['m']!.id;
}
