/** An error smtp-server turns into a reply: `responseCode` is the code, the message the text. */
export class SmtpReplyError extends Error {
  override readonly name = 'SmtpReplyError';

  constructor(
    readonly responseCode: number,
    text: string,
  ) {
    super(text);
  }
}

// smtp-server adds no enhanced status codes of its own (ENHANCEDSTATUSCODES stays off, because
// it would derive them from the reply code alone), so each text carries the right one.
export const SmtpReplies = {
  tooManyConnections: () => new SmtpReplyError(421, '4.7.0 Too many connections'),
  tooManyConnectionsFromAddress: () =>
    new SmtpReplyError(421, '4.7.0 Too many connections from your address, try again later'),
  tooManyErrors: () => new SmtpReplyError(421, '4.7.0 Too many errors, closing connection'),
  commandTimeout: () => new SmtpReplyError(421, '4.4.2 Command took too long, closing connection'),
  dataTimeout: () => new SmtpReplyError(421, '4.4.2 Message took too long to send, closing connection'),
  shuttingDown: () => new SmtpReplyError(421, '4.3.2 Service shutting down'),
  senderTooLong: () => new SmtpReplyError(501, '5.1.7 Sender address too long'),
  unknownParameters: (names: readonly string[]) =>
    new SmtpReplyError(555, `5.5.4 Unsupported parameter(s): ${names.join(' ').slice(0, 100)}`),
  utf8AddressWithoutSmtpUtf8: () =>
    new SmtpReplyError(553, '5.6.7 Non-ASCII address requires the SMTPUTF8 parameter'),
  postmasterUnassigned: () =>
    new SmtpReplyError(451, '4.3.0 The postmaster mailbox is not set up yet, please retry'),
  relayDenied: () => new SmtpReplyError(550, '5.7.1 Relay access denied'),
  noSuchUser: (address: string) =>
    new SmtpReplyError(550, `5.1.1 <${address}>: Recipient address rejected: no such user`),
  tooManyRecipients: () => new SmtpReplyError(452, '4.5.3 Too many recipients'),
  messageTooBig: () => new SmtpReplyError(552, '5.3.4 Message size exceeds fixed maximum message size'),
  noValidRecipients: () => new SmtpReplyError(554, '5.5.1 No valid recipients'),
  temporaryFailure: () => new SmtpReplyError(451, '4.3.0 Temporary failure, please retry'),
  dmarcRejected: (authorDomain: string) =>
    new SmtpReplyError(
      550,
      `5.7.1 Message rejected: it fails the DMARC policy of ${authorDomain.replace(/[^\x21-\x7e]/g, '?').slice(0, 255)}`,
    ),
  senderCheckDeferred: () => new SmtpReplyError(451, '4.4.3 Could not check the sender (DNS), please retry'),
  queued: (queueId: string) => `2.0.0 Ok: queued as ${queueId}`,
} as const;
