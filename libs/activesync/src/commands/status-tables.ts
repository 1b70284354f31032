// Status tables of the commands that have no request model in this library: the gateway answers
// them with these values, never with copies of its own.

/** ResolveRecipients Status as a child of ResolveRecipients ([MS-ASCMD] 2.2.3.177.12). */
export const RESOLVE_RECIPIENTS_STATUS = { Success: 1, ProtocolError: 5, ServerError: 6 } as const;

/** ResolveRecipients Status as a child of Response, per recipient ([MS-ASCMD] 2.2.3.177.12). */
export const RESOLVE_RECIPIENT_STATUS = {
  Success: 1,
  /** Ambiguous: several matches, all returned. */
  Ambiguous: 2,
  /** Ambiguous: several matches, some returned. */
  AmbiguousPartial: 3,
  Unresolved: 4,
} as const;

/** MeetingResponse Status, a child of Result ([MS-ASCMD] 2.2.3.177.9). */
export const MEETING_RESPONSE_STATUS = {
  Success: 1,
  /** Malformed or invalid item, or not a meeting request: not transient, the phone stops sending it. */
  InvalidMeetingRequest: 2,
  MailboxError: 3,
  ServerError: 4,
} as const;

/** ValidateCert Status ([MS-ASCMD] 2.2.3.177.18): 1 or 17 for the command, the rest per certificate. */
export const VALIDATE_CERT_STATUS = {
  Success: 1,
  ProtocolError: 2,
  InvalidSignature: 3,
  UntrustedSource: 4,
  InvalidChain: 5,
  NotForEmail: 6,
  Expired: 7,
  InconsistentTimes: 8,
  PurposeIncorrect: 9,
  MissingInformation: 10,
  InvalidRole: 11,
  NameMismatch: 12,
  Revoked: 13,
  RevocationServerUnreachable: 14,
  ChainRevoked: 15,
  RevocationUnknown: 16,
  UnknownServerError: 17,
} as const;

/** Find Status (16.1, [MS-ASCMD] 2.2.3.177.2): the values the gateway sends. */
export const FIND_STATUS = { Success: 1, InvalidRequest: 2 } as const;
