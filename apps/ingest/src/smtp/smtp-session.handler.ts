import type { MailArrivedV1 } from '@pushmail/contracts';
import type { Logger } from 'pino';
import type {
  SMTPServerAddress,
  SMTPServerDataStream,
  SMTPServerEnvelope,
  SMTPServerSession,
} from 'smtp-server';
import type { IngestMetrics } from '../metrics/ingest-metrics.js';
import { normalizeAddress, type RecipientDirectory } from '../recipients/recipient-directory.js';
import { PublishFailedError, type AcceptMessage } from '../usecases/accept-message/accept-message.usecase.js';
import type { AuthenticateSender } from '../usecases/authenticate-sender/authenticate-sender.usecase.js';
import { SmtpReplies, SmtpReplyError } from './smtp-replies.js';

export interface SmtpSessionLimits {
  maxMessageBytes: number;
  maxRecipients: number;
  maxClients: number;
  maxClientsPerAddress: number;
  /** Added per refused recipient after the first one of a session, up to MAX_ERROR_DELAY_MS. */
  errorDelayMs: number;
}

type Done = (error?: Error | null) => void;

interface AcceptedRecipient {
  address: string;
  accountId: string;
}

const MAX_SENDER_LENGTH = 320;
const MAX_HELO_LENGTH = 255;
const MAX_ERROR_DELAY_MS = 5000;
// What the EHLO reply advertises (SIZE, 8BITMIME, SMTPUTF8): RFC 5321 §4.1.1.11 wants 555 for
// any other parameter. DSN is not advertised, so RCPT takes none.
const MAIL_PARAMETERS: ReadonlySet<string> = new Set(['SIZE', 'BODY', 'SMTPUTF8']);
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * The decisions of an SMTP session: who may connect, which recipients are ours, and what
 * happens to a message at the end of DATA. smtp-server runs the protocol; this class answers it.
 */
export class SmtpSessionHandler {
  // Keyed by the envelope, which smtp-server replaces for every transaction (MAIL, RSET, after
  // DATA), so a transaction's accepted recipients disappear with it.
  // Each accepted recipient as the client named it (normalized), with the address and account it
  // resolved to: the bare `postmaster` resolves to a full address.
  private readonly transactions = new WeakMap<SMTPServerEnvelope, Map<string, AcceptedRecipient>>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly refusedRecipients = new WeakMap<SMTPServerSession, number>();
  private readonly log: Logger;

  constructor(
    private readonly directory: RecipientDirectory,
    private readonly acceptMessage: AcceptMessage,
    private readonly metrics: IngestMetrics,
    logger: Logger,
    private readonly limits: SmtpSessionLimits,
    /** Without it, no sender checks: the message is stored as it came. */
    private readonly authenticateSender?: AuthenticateSender,
  ) {
    this.log = logger.child({ component: 'smtp' });
  }

  /** Both counts include this connection. */
  onConnect(session: SMTPServerSession, openConnections: number, fromSameAddress: number, done: Done): void {
    this.metrics.sessions.inc();
    if (openConnections > this.limits.maxClients) {
      return this.reject(SmtpReplies.tooManyConnections(), done);
    }
    if (fromSameAddress > this.limits.maxClientsPerAddress) {
      return this.reject(SmtpReplies.tooManyConnectionsFromAddress(), done);
    }
    this.metrics.reply(220);
    done();
  }

  onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, done: Done): void {
    // The declared SIZE was already checked by smtp-server, which knows the limit.
    const unknown = parameterNames(address).filter((name) => !MAIL_PARAMETERS.has(name));
    if (unknown.length > 0) return this.reject(SmtpReplies.unknownParameters(unknown), done);
    if (address.address.length > MAX_SENDER_LENGTH) return this.reject(SmtpReplies.senderTooLong(), done);
    if (NON_ASCII.test(address.address) && !session.envelope.smtpUtf8) {
      return this.reject(SmtpReplies.utf8AddressWithoutSmtpUtf8(), done);
    }
    this.metrics.reply(250);
    done();
  }

  onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, done: Done): void {
    const unknown = parameterNames(address);
    if (unknown.length > 0) return this.reject(SmtpReplies.unknownParameters(unknown), done);
    if (NON_ASCII.test(address.address) && !session.envelope.smtpUtf8) {
      return this.reject(SmtpReplies.utf8AddressWithoutSmtpUtf8(), done);
    }
    const accepted = this.transactionOf(session.envelope);
    const normalized = normalizeAddress(address.address);
    if (!accepted.has(normalized) && accepted.size >= this.limits.maxRecipients) {
      return this.reject(SmtpReplies.tooManyRecipients(), done);
    }
    const resolution = this.directory.resolve(normalized);
    switch (resolution.kind) {
      case 'foreign-domain':
        return this.refuseRecipient(session, SmtpReplies.relayDenied(), done);
      case 'unknown-user':
        return this.refuseRecipient(session, SmtpReplies.noSuchUser(address.address), done);
      case 'postmaster-unassigned':
        this.log.error(
          { sessionId: session.id },
          'mail to the postmaster deferred: no account takes it (see POSTMASTER_ACCOUNT)',
        );
        return this.reject(SmtpReplies.postmasterUnassigned(), done);
      case 'account':
        accepted.set(normalized, { address: resolution.address, accountId: resolution.accountId });
        this.metrics.reply(250);
        return done();
    }
  }

  onData(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    done: (error?: Error | null, message?: string) => void,
  ): void {
    const work = this.receive(stream, session).then(
      (reply) => {
        this.metrics.reply(250);
        done(null, reply);
      },
      (error: unknown) => {
        if (error instanceof ClientGoneError) {
          this.log.info({ sessionId: session.id }, error.message);
          return done(error);
        }
        const reply = error instanceof SmtpReplyError ? error : SmtpReplies.temporaryFailure();
        if (!(error instanceof SmtpReplyError))
          this.log.error({ err: error, sessionId: session.id }, 'DATA failed');
        this.metrics.reply(reply.responseCode);
        done(reply);
      },
    );
    const tracked: Promise<void> = work
      .catch((error: unknown) =>
        this.log.error({ err: error, sessionId: session.id }, 'answering DATA failed'),
      )
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  get transactionsInFlight(): number {
    return this.inFlight.size;
  }

  /** Waits for the messages being received or published to be answered; false if the time ran out. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size > 0) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.inFlight]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, remaining);
        }),
      ]);
      clearTimeout(timer);
    }
    return true;
  }

  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const started = performance.now();
    const receivedAt = new Date();
    const raw = await readMessage(stream, this.limits.maxMessageBytes);
    if (raw === undefined || stream.sizeExceeded) {
      this.log.info({ sessionId: session.id, sizeBytes: stream.byteLength }, 'refused an oversized message');
      throw SmtpReplies.messageTooBig();
    }
    const recipients = this.recipientsOf(session.envelope);
    if (recipients.length === 0) throw SmtpReplies.noValidRecipients();
    const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    const heloName = String(session.hostNameAppearsAs || '').slice(0, MAX_HELO_LENGTH);
    const checked = await this.checkSender(session, {
      raw,
      mailFrom,
      clientAddress: session.remoteAddress,
      heloName,
      recipientDomains: recipients.map((recipient) =>
        recipient.address.slice(recipient.address.lastIndexOf('@') + 1),
      ),
    });
    try {
      const accepted = await this.acceptMessage.execute({
        raw,
        mailFrom,
        recipients,
        smtp: { clientAddress: session.remoteAddress, heloName, sessionId: session.id },
        protocol: protocolOf(session),
        receivedAt,
        ...(checked === undefined
          ? {}
          : { authenticationFields: checked.fields, authentication: checked.authentication }),
      });
      this.log.info(
        {
          queueId: accepted.queueId,
          sessionId: session.id,
          sizeBytes: raw.length,
          recipients: recipients.length,
          accounts: accepted.accounts,
          publishMs: Math.round(accepted.publishMs),
          latencyMs: Math.round(performance.now() - started),
        },
        'message accepted',
      );
      return SmtpReplies.queued(accepted.queueId);
    } catch (error) {
      if (!(error instanceof PublishFailedError)) throw error;
      this.log.warn(
        { err: error, sessionId: session.id, sizeBytes: raw.length, recipients: recipients.length },
        'message not accepted: publishing failed',
      );
      throw SmtpReplies.temporaryFailure();
    }
  }

  /** The fields to store above the message and the results, or an SmtpReplyError when the policy refuses it. */
  private async checkSender(
    session: SMTPServerSession,
    sender: Parameters<AuthenticateSender['execute']>[0],
  ): Promise<{ fields: string; authentication: NonNullable<MailArrivedV1['authentication']> } | undefined> {
    if (!this.authenticateSender) return undefined;
    const decision = await this.authenticateSender.execute(sender);
    this.metrics.senderChecks.inc({ dmarc: decision.verdict.dmarc, action: decision.action });
    if (decision.action === 'accept') {
      const { spf, dkim, dmarc, arc } = decision.verdict;
      return { fields: decision.fields, authentication: { spf, dkim, dmarc, arc } };
    }
    this.log.info(
      { sessionId: session.id, verdict: decision.verdict, action: decision.action },
      'message refused by the sender checks',
    );
    if (decision.action === 'reject') throw SmtpReplies.dmarcRejected(decision.verdict.authorDomain ?? '');
    throw SmtpReplies.senderCheckDeferred();
  }

  private recipientsOf(envelope: SMTPServerEnvelope): { address: string; accountId: string }[] {
    const accepted = this.transactionOf(envelope);
    const recipients: { address: string; accountId: string }[] = [];
    for (const recipient of envelope.rcptTo) {
      const address = normalizeAddress(recipient.address);
      const resolved = accepted.get(address);
      if (resolved !== undefined) recipients.push(resolved);
    }
    return recipients;
  }

  private transactionOf(envelope: SMTPServerEnvelope): Map<string, AcceptedRecipient> {
    let accepted = this.transactions.get(envelope);
    if (!accepted) {
      accepted = new Map();
      this.transactions.set(envelope, accepted);
    }
    return accepted;
  }

  private reject(reply: SmtpReplyError, done: Done): void {
    this.metrics.reply(reply.responseCode);
    done(reply);
  }

  /**
   * Each refused recipient of a session is answered a little later than the one before, so
   * guessing addresses gets slower as it goes; smtp-server reads no further command meanwhile.
   */
  private refuseRecipient(session: SMTPServerSession, reply: SmtpReplyError, done: Done): void {
    const refused = this.refusedRecipients.get(session) ?? 0;
    this.refusedRecipients.set(session, refused + 1);
    const delayMs = Math.min(MAX_ERROR_DELAY_MS, refused * this.limits.errorDelayMs);
    if (delayMs === 0) return this.reject(reply, done);
    setTimeout(() => this.reject(reply, done), delayMs).unref();
  }
}

/** The `with` clause of `Received:` (RFC 5321 §4.4, RFC 6531 §3.7.4); no TLS or AUTH here. */
function protocolOf(session: SMTPServerSession): string {
  if (session.envelope.smtpUtf8) return 'UTF8SMTP';
  return session.openingCommand === 'HELO' ? 'SMTP' : 'ESMTP';
}

function parameterNames(address: SMTPServerAddress): string[] {
  return address.args ? Object.keys(address.args) : [];
}

class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
}

/**
 * Reads DATA into memory, keeping at most `maxBytes`: past the limit the rest is read and
 * discarded so the client still gets its reply, and undefined is returned.
 */
function readMessage(stream: SMTPServerDataStream, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else chunks = [];
    });
    let ended = false;
    stream.once('end', () => {
      ended = true;
      resolve(size > maxBytes ? undefined : Buffer.concat(chunks, size));
    });
    // A client that disconnects mid-DATA destroys the stream without an end. The stream also closes
    // after a normal end: no error (and its stack trace) is built for that.
    const gone = () => {
      if (!ended) reject(new ClientGoneError('the client left during DATA'));
    };
    stream.once('error', gone);
    stream.once('close', gone);
  });
}
