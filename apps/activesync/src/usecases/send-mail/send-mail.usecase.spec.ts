import { el } from '@pushmail/activesync';
import type { DeviceTrailRecordV1 } from '@pushmail/contracts';
import type { DeviceTrail } from '@pushmail/edge';
import { createLogger } from '@pushmail/platform';
import { describe, expect, it } from 'vitest';
import type { ActiveSyncConfig } from '../../config/activesync-config.js';
import type { EasCommandContext } from '../../protocol/eas-command.js';
import type { MailSubmission, SubmissionOutcome } from './mail-submission.js';
import type { OriginalMessages } from './original-messages.js';
import { SendMail } from './send-mail.usecase.js';
import type { SentMessages } from './sent-messages.js';

const accountId = '0b1c2d3e-4f50-4617-8899-aabbccddeeff';

function setUp(outcome: SubmissionOutcome) {
  const recorded: Array<{ accountId: string; record: Omit<DeviceTrailRecordV1, 'at'> }> = [];
  const trail = {
    record: (account: string, record: Omit<DeviceTrailRecordV1, 'at'>) =>
      recorded.push({ accountId: account, record }),
  };
  const submission = { send: () => Promise.resolve(outcome) };
  const sent = { claim: () => Promise.resolve(true), release: () => Promise.resolve() };
  const command = new SendMail(
    submission as unknown as MailSubmission,
    sent as unknown as SentMessages,
    {} as OriginalMessages,
    { SEND_MAX_MESSAGE_BYTES: 100_000 } as ActiveSyncConfig,
    trail as unknown as DeviceTrail,
  );
  return { command, recorded };
}

function context(mime: string): EasCommandContext {
  return {
    device: { accountId, deviceId: 'phone1', address: 'alice@example.com' },
    standing: { access: 'allowed' },
    log: createLogger('test', 'silent'),
    body: el(
      'ComposeMail',
      'SendMail',
      el('ComposeMail', 'ClientId', 'c1'),
      el('ComposeMail', 'SaveInSentItems'),
      el('ComposeMail', 'Mime', mime),
    ),
  } as unknown as EasCommandContext;
}

describe(SendMail.name, () => {
  it("records the send in the device's trail: the ids, the recipient count and the outcome, no content", async () => {
    const { command, recorded } = setUp({
      ok: true,
      submissionId: 'S1',
      emailId: 'M1',
      recipients: 2,
      pending: false,
    });

    expect(
      await command.execute(context('To: b@x.example, c@x.example\r\nSubject: secret\r\n\r\nbody')),
    ).toEqual({
      empty: true,
    });

    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      accountId,
      record: {
        deviceId: 'phone1',
        kind: 'request',
        request: { methods: ['SendMail'], ok: true },
        activesync: { command: 'SendMail' },
        sends: [{ submissionId: 'S1', emailId: 'M1', recipients: 2, outcome: 'sent' }],
      },
    });
    expect(JSON.stringify(recorded)).not.toMatch(/secret|x\.example|body/);
  });

  it('records a refused send with its Status, whether mailbox refused it or the gateway did', async () => {
    const refused = setUp({ ok: false, status: 120, reason: 'over the hourly limit', emailId: 'M2' });
    await refused.command.execute(context('To: b@x.example\r\nSubject: s\r\n\r\nbody'));
    expect(refused.recorded[0]!.record).toMatchObject({
      request: { ok: false, error: 'Status 120' },
      activesync: { command: 'SendMail', status: '120' },
      sends: [{ emailId: 'M2', outcome: 'refused', error: 'Status 120' }],
    });

    const malformed = setUp({ ok: true, submissionId: 'S9', emailId: 'M9', pending: false });
    await malformed.command.execute(context('no header here\r\n\r\nx'));
    expect(malformed.recorded[0]!.record.sends).toEqual([{ outcome: 'refused', error: 'Status 107' }]);
  });
});
