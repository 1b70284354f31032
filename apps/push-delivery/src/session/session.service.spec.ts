import {
  CORE_CAPABILITY,
  MAIL_CAPABILITY,
  SUBMISSION_CAPABILITY,
  WEBSOCKET_CAPABILITY,
} from '@pushmail/jmap';
import { describe, expect, it } from 'vitest';
import type { AccountDirectory } from '../auth/account-directory.js';
import type { DeviceCredentialsView } from '../auth/device-credentials.view.js';
import { pushConfigSchema } from '../config/push-config.js';
import { SessionService } from './session.service.js';

const accountId = '9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const device = { accountId, deviceId: 'phone', tokenSha256: 'e'.repeat(64) };

/** `maxHoldSeconds`: what mailbox reports it enforces. */
function sessionService(
  publicUrl: string,
  address: string | undefined,
  access = 'allowed',
  maxHoldSeconds = 604_800,
) {
  const config = pushConfigSchema.parse({
    KAFKA_BROKERS: 'k:9092',
    INTERNAL_TOKEN: 'x'.repeat(24),
    PUBLIC_URL: publicUrl,
  });
  const accounts = { addressOf: () => address } as unknown as AccountDirectory;
  const credentials = {
    snapshotOf: () => ({ devices: [{ deviceId: 'phone', tokenSha256: [], access }] }),
  } as unknown as DeviceCredentialsView;
  const limits = { current: async () => ({ submission: { maxHoldSeconds } }) };
  return new SessionService(config, accounts, credentials, limits);
}

describe(SessionService.name, () => {
  it('describes the account and every URL from the public URL (RFC 8620 §2)', async () => {
    const session = await sessionService('https://mail.example.com/', 'alice@example.com').sessionFor(device);

    expect(session.username).toBe('alice@example.com');
    expect(session.apiUrl).toBe('https://mail.example.com/jmap/api');
    expect(session.downloadUrl).toBe(
      'https://mail.example.com/jmap/download/{accountId}/{blobId}/{name}?accept={type}',
    );
    expect(session.uploadUrl).toBe('https://mail.example.com/jmap/upload/{accountId}/');
    expect(session.eventSourceUrl).toBe(
      'https://mail.example.com/jmap/eventsource/?types={types}&closeafter={closeafter}&ping={ping}',
    );
    expect(session.capabilities[WEBSOCKET_CAPABILITY]).toEqual({
      url: 'wss://mail.example.com/jmap/ws',
      supportsPush: true,
    });
    expect(session.capabilities[CORE_CAPABILITY]).toMatchObject({
      maxCallsInRequest: 32,
      maxSizeRequest: 10_000_000,
      maxObjectsInGet: 500,
      maxObjectsInSet: 500,
      maxSizeUpload: 50_000_000,
      maxConcurrentUpload: 4,
      maxConcurrentRequests: 4,
    });
    expect(session.primaryAccounts).toMatchObject({
      [MAIL_CAPABILITY]: accountId,
      [SUBMISSION_CAPABILITY]: accountId,
    });
    expect(session.capabilities[SUBMISSION_CAPABILITY]).toEqual({});
    expect(session.accounts[accountId]).toMatchObject({
      name: 'alice@example.com',
      isPersonal: true,
      isReadOnly: false,
      accountCapabilities: {
        [MAIL_CAPABILITY]: expect.objectContaining({
          maxMailboxDepth: 10,
          emailQuerySortOptions: ['receivedAt', 'size', 'from', 'to', 'subject', 'sentAt', 'hasKeyword'],
        }),
      },
    });
  });

  it('advertises client-chosen send times (FUTURERELEASE) up to the hold mailbox enforces, or none', async () => {
    const before = Date.now();
    const session = await sessionService('http://h', 'a@example.com', 'allowed', 86400).sessionFor(device);
    const submission = session.accounts[accountId]!.accountCapabilities[SUBMISSION_CAPABILITY] as {
      maxDelayedSend: number;
      submissionExtensions: Record<string, string[]>;
    };
    expect(submission.maxDelayedSend).toBe(86400);
    const [interval, latest] = submission.submissionExtensions['FUTURERELEASE']!;
    expect(interval).toBe('86400');
    expect(latest).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(Date.parse(latest!) - before).toBeGreaterThanOrEqual(86400_000 - 1000);
    expect(Date.parse(latest!) - Date.now()).toBeLessThanOrEqual(86400_000);

    const off = sessionService('http://h', 'a@example.com', 'allowed', 0);
    expect((await off.sessionFor(device)).accounts[accountId]!.accountCapabilities).toMatchObject({
      [SUBMISSION_CAPABILITY]: { maxDelayedSend: 0, submissionExtensions: {} },
    });
  });

  it('names the account by its id while its address is unknown', async () => {
    expect((await sessionService('http://localhost:8080', undefined).sessionFor(device)).username).toBe(
      accountId,
    );
  });

  it('keeps the state stable, and changes it when what the session shows changes', async () => {
    const state = await sessionService('http://h', 'a@example.com').stateOf(device);
    expect(await sessionService('http://h', 'a@example.com').stateOf(device)).toBe(state);
    expect(await sessionService('http://h', 'b@example.com').stateOf(device)).not.toBe(state);
    expect(await sessionService('http://h', 'a@example.com', 'blocked').stateOf(device)).not.toBe(state);
  });

  it('changes the state when the submission hold mailbox enforces (maxDelayedSend) changes', async () => {
    const week = sessionService('http://h', 'a@example.com', 'allowed', 604_800);
    const day = sessionService('http://h', 'a@example.com', 'allowed', 86_400);
    expect(await day.stateOf(device)).not.toBe(await week.stateOf(device));
    expect(await sessionService('http://h', 'a@example.com', 'allowed', 0).stateOf(device)).not.toBe(
      await week.stateOf(device),
    );
    // What API responses report is the state of the session resource served.
    expect((await day.sessionFor(device)).state).toBe(await day.stateOf(device));
    expect((await week.sessionFor(device)).state).toBe(await week.stateOf(device));
  });
});
