import { z } from 'zod';

export const selfTestSchema = z.object({
  accountId: z.uuid(),
  /** The device token the test connects with, as that device would. Never stored or logged. */
  deviceToken: z.string().min(16).max(512),
  timeoutMs: z.int().min(1000).max(120_000).default(20_000),
});
export type SelfTestDto = z.output<typeof selfTestSchema>;
