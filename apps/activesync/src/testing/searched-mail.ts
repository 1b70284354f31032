import type { MailStore } from '../mailbox/mail-store.js';

/**
 * A mail store in which every search finds nothing, keeping the text it was asked for: what the
 * Find and Search command specs check the query against.
 */
export function searchedMail(): { searched: string[]; mail: MailStore } {
  const searched: string[] = [];
  const mail = {
    search: (_account: string, text: string) => {
      searched.push(text);
      return Promise.resolve({ ids: [], total: 0 });
    },
    emails: () => Promise.resolve([]),
  } as unknown as MailStore;
  return { searched, mail };
}
