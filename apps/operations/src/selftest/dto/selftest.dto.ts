import { isoTimestamp } from '@pushmail/contracts';
import { z } from 'zod';

export const selfTestSchema = z.object({
  accountId: z.uuid(),
  /** The device token the test connects with, as that device would. Never stored or logged. */
  deviceToken: z.string().min(16).max(512),
  timeoutMs: z.int().min(1000).max(120_000).default(20_000),
});
export type SelfTestDto = z.output<typeof selfTestSchema>;

const hopName = z.enum(['websocket', 'smtp', 'kafka', 'store', 'push', 'fetch']);

export const selfTestReportSchema = z
  .object({
    accountId: z.uuid(),
    address: z.string(),
    ok: z.boolean(),
    stoppedAt: hopName.nullable(),
    diagnosis: z.string(),
    hops: z.array(
      z.object({
        name: hopName,
        ok: z.boolean(),
        ms: z.int().nullable().describe('After the message was handed to SMTP (websocket: the handshake).'),
        detail: z.string(),
      }),
    ),
    startedAt: isoTimestamp,
    totalMs: z.int(),
  })
  .meta({ id: 'SelfTestReport' });
