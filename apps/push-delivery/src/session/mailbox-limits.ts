import { Inject, Injectable } from '@nestjs/common';
import type { MailboxLimits } from '@pushmail/jmap';
import { ProblemException } from '@pushmail/platform';
import { MailboxClient } from '../api/mailbox-client.js';

/** Limits are asked again after this long, so a mailbox redeployed with others is seen soon. */
const REFRESH_MS = 60_000;

/** Where the limits come from: mailbox's internal endpoint, or a stand-in in tests. */
export type LimitsSource = Pick<MailboxClient, 'limits'>;

/**
 * The limits the session advertises, as mailbox reports the ones it enforces: one value, set on
 * mailbox, so what devices are told cannot drift from what mailbox accepts. Asked at most once per
 * `REFRESH_MS` (concurrent sessions share one request); when mailbox does not answer, the last
 * answer still holds, and with none yet the session is a 503 to retry.
 */
@Injectable()
export class MailboxLimitsCache {
  private known: { limits: MailboxLimits; at: number } | undefined;
  private pending: Promise<MailboxLimits> | undefined;

  constructor(@Inject(MailboxClient) private readonly source: LimitsSource) {}

  async current(): Promise<MailboxLimits> {
    const known = this.known;
    if (known && Date.now() - known.at < REFRESH_MS) return known.limits;
    this.pending ??= this.source.limits().finally(() => (this.pending = undefined));
    try {
      const limits = await this.pending;
      this.known = { limits, at: Date.now() };
      return limits;
    } catch {
      if (known) return known.limits;
      throw new ProblemException({
        type: 'about:blank',
        status: 503,
        detail: 'mailbox has not told its limits yet; try again shortly',
        retryAfterMs: 5000,
      });
    }
  }
}
