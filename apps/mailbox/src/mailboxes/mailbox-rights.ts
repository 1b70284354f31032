/** The owner of an account may do everything with its mailboxes. */
export const OWNER_RIGHTS = {
  mayReadItems: true,
  mayAddItems: true,
  mayRemoveItems: true,
  maySetSeen: true,
  maySetKeywords: true,
  mayCreateChild: true,
  mayRename: true,
  mayDelete: true,
  maySubmit: true,
};

/** A mailbox with a standard role can be renamed or moved, never deleted. */
export const ROLE_RIGHTS = { ...OWNER_RIGHTS, mayDelete: false };
