import { z } from 'zod';
import { accountId, emailAddress, isoTimestamp } from './common.js';

/** One accepted SMTP message for one recipient account, carrying the raw RFC 5322 bytes. */
export const mailArrivedV1 = z.object({
  eventId: z.uuid(),
  accountId,
  /** Idempotency key of the delivery: the same message to the same account always has the same id. */
  deliveryId: z.string().min(1).max(200),
  receivedAt: isoTimestamp,
  envelope: z.object({
    mailFrom: z.string().max(320),
    rcptTo: emailAddress,
  }),
  smtp: z.object({
    clientAddress: z.string().max(64),
    heloName: z.string().max(255),
    sessionId: z.string().max(64),
  }),
  sizeBytes: z.int().nonnegative(),
  /**
   * What ingest's sender checks found (RFC 8601 result keywords, e.g. `pass`, `fail`, `none`,
   * `temperror`); absent where no check ran (mail handed over by outbound, DSNs).
   */
  authentication: z
    .object({
      spf: z.string().max(20),
      dkim: z.string().max(20),
      dmarc: z.string().max(20),
      arc: z.string().max(20),
    })
    .optional(),
  /** The message exactly as received, base64. */
  rawBase64: z.base64(),
});
export type MailArrivedV1 = z.infer<typeof mailArrivedV1>;
