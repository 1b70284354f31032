import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { buildMessage, expectEventually, sendMail, type Invocation } from '@pushmail/testing';
import { connectWhenKnown, newAccount, useSuitePlatform } from './support/e2e-platform.js';

describe('the push path: register, push, fetch', () => {
  const suite = useSuitePlatform('push-path', {
    mailDomains: ['example.com'],
    serviceEnv: { ingest: { SMTP_MAX_MESSAGE_BYTES: String(256 * 1024) } },
  });

  async function newAccountWithDevice() {
    const { address, password, accountId } = await newAccount(suite.registry);
    const device = await suite.registry.registerDevice(address, password, {
      deviceId: `phone-${randomUUID().slice(0, 8)}`,
    });
    expect(device.accountId).toBe(accountId);
    return { address, password, accountId, device };
  }

  it('pushes a StateChange within a second of the SMTP 250, and the device fetches the mail', async () => {
    const { address, accountId, device } = await newAccountWithDevice();
    const client = await connectWhenKnown(suite.platform, device.token);
    try {
      const [[, before]] = (await client.request([['Email/get', { accountId, ids: [] }, 'g0']])) as [
        Invocation,
      ];
      const sinceState = before['state'] as string;
      client.enablePush(undefined, null);
      // Push must be enabled before the mail is sent, or the test would measure a catch-up instead.
      await client.request([['Core/echo', { ping: true }, 'e']]);

      const subject = `Hello ${randomUUID().slice(0, 6)}`;
      const transport = nodemailer.createTransport({
        host: suite.platform.smtp.host,
        port: suite.platform.smtp.port,
        secure: false,
        ignoreTLS: true,
      });
      const stateChange = client.nextStateChange(
        5000,
        (change) => change.changed[accountId]?.['Email'] !== undefined,
      );
      const info = await transport.sendMail({
        from: 'Sender Person <sender@elsewhere.example>',
        to: address,
        subject,
        text: 'The body of the first pushed mail.',
      });
      const acceptedAt = performance.now();
      expect(info.response).toMatch(/^250 /);

      const change = (await stateChange) as unknown as Record<string, unknown>;
      const pushDelayMs = (change['_receivedAt'] as number) - acceptedAt;
      expect(pushDelayMs).toBeLessThan(1000);

      const responses = await client.request([
        ['Email/changes', { accountId, sinceState }, 'c'],
        [
          'Email/get',
          {
            accountId,
            '#ids': { resultOf: 'c', name: 'Email/changes', path: '/created' },
            properties: ['subject', 'from', 'to', 'receivedAt', 'preview', 'textBody', 'bodyValues'],
            fetchTextBodyValues: true,
          },
          'g',
        ],
      ]);
      const changes = responses[0]![1];
      expect(changes['created']).toHaveLength(1);
      const email = (responses[1]![1]['list'] as Record<string, unknown>[])[0]!;
      expect(email['subject']).toBe(subject);
      expect(email['from']).toEqual([{ name: 'Sender Person', email: 'sender@elsewhere.example' }]);
      expect(email['to']).toEqual([{ name: null, email: address }]);
      const textPart = (email['textBody'] as Array<{ partId: string }>)[0]!;
      const bodyValues = email['bodyValues'] as Record<string, { value: string }>;
      expect(bodyValues[textPart.partId]!.value).toContain('The body of the first pushed mail.');
    } finally {
      client.close();
    }
  });

  it('refuses an unknown recipient at RCPT with 550 5.1.1', async () => {
    const result = await sendMail(suite.platform.smtp.host, suite.platform.smtp.port, {
      from: 'someone@elsewhere.example',
      to: [`nobody-${randomUUID().slice(0, 8)}@example.com`],
      message: buildMessage({
        from: 'someone@elsewhere.example',
        to: 'nobody@example.com',
        subject: 'x',
        text: 'x',
      }),
    });
    expect(result.rcpt[0]!.code).toBe(550);
    expect(result.rcpt[0]!.text).toMatch(/5\.1\.1/);
    expect(result.data).toBeUndefined();
  });

  it('answers 552 to a message over the size limit and keeps serving', async () => {
    const { address } = await newAccountWithDevice();
    const big = buildMessage({
      from: 'a@elsewhere.example',
      to: address,
      subject: 'big',
      text: 'x'.repeat(300 * 1024),
    });
    const result = await sendMail(suite.platform.smtp.host, suite.platform.smtp.port, {
      from: 'a@elsewhere.example',
      to: [address],
      message: big,
    });
    expect(result.data?.code).toBe(552);

    const small = buildMessage({ from: 'a@elsewhere.example', to: address, subject: 'small', text: 'fits' });
    const again = await sendMail(suite.platform.smtp.host, suite.platform.smtp.port, {
      from: 'a@elsewhere.example',
      to: [address],
      message: small,
    });
    expect(again.data?.code).toBe(250);
  });

  it('stores a message sent twice with the same bytes only once', async () => {
    const { address, accountId, device } = await newAccountWithDevice();
    const message = buildMessage({
      from: 'dup@elsewhere.example',
      to: address,
      subject: 'once',
      text: 'only one copy',
    });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const result = await sendMail(suite.platform.smtp.host, suite.platform.smtp.port, {
        from: 'dup@elsewhere.example',
        to: [address],
        message,
      });
      expect(result.data?.code).toBe(250);
    }
    const client = await connectWhenKnown(suite.platform, device.token);
    try {
      await expectEventually(async () => {
        const [[, query]] = (await client.request([
          ['Email/query', { accountId, calculateTotal: true }, 'q'],
        ])) as [Invocation];
        expect(query['ids']).toHaveLength(1);
      });
      // A later mail proves the duplicate was processed (and dropped), not merely still in flight.
      const later = buildMessage({
        from: 'dup@elsewhere.example',
        to: address,
        subject: 'later',
        text: 'after',
      });
      expect(
        (
          await sendMail(suite.platform.smtp.host, suite.platform.smtp.port, {
            from: 'dup@elsewhere.example',
            to: [address],
            message: later,
          })
        ).data?.code,
      ).toBe(250);
      await expectEventually(async () => {
        const [[, query]] = (await client.request([['Email/query', { accountId }, 'q']])) as [Invocation];
        expect(query['ids']).toHaveLength(2);
      });
    } finally {
      client.close();
    }
  });
});
