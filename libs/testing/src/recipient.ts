import { SmtpSession } from '@pushmail/platform';
import { expectEventually } from './expect-eventually.js';

/**
 * Waits until ingest accepts `address` as a recipient: it learns of accounts through a compacted
 * topic, a moment after the account is created.
 */
export async function waitForRecipient(
  smtp: { host: string; port: number },
  address: string,
  timeoutMs = 15_000,
): Promise<void> {
  await expectEventually(
    async () => {
      const { session } = await SmtpSession.open(smtp.host, smtp.port);
      try {
        await session.command('EHLO probe.example');
        await session.command('MAIL FROM:<probe@elsewhere.example>');
        const reply = await session.command(`RCPT TO:<${address}>`);
        if (reply.code !== 250) throw new Error(`RCPT TO:<${address}> answered ${reply.text}`);
      } finally {
        await session.quit();
      }
    },
    { timeoutMs, intervalMs: 100 },
  );
}
