import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  CORE_CAPABILITY,
  DEFAULT_CORE_LIMITS,
  MAIL_CAPABILITY,
  type MailboxLimits,
  SUBMISSION_CAPABILITY,
  submissionAccountCapability,
  VACATION_RESPONSE_CAPABILITY,
  WEBPUSH_VAPID_CAPABILITY,
  WEBSOCKET_CAPABILITY,
} from '@pushmail/jmap';
import { sha256Hex } from '@pushmail/edge';
import { CONFIG } from '@pushmail/platform';
import { AccountDirectory } from '../auth/account-directory.js';
import type { AuthenticatedDevice } from '../auth/device-authenticator.js';
import { DeviceCredentialsView } from '../auth/device-credentials.view.js';
import type { PushConfig } from '../config/push-config.js';
import { WEB_PUSH, type WebPush } from '../webpush/web-push.service.js';
import { MailboxLimitsCache } from './mailbox-limits.js';

export const WEBSOCKET_PATH = '/jmap/ws';

/** The account-level mail capability (RFC 8621 §1.3.1) every account has. */
export const MAIL_ACCOUNT_CAPABILITY = {
  maxMailboxesPerEmail: null,
  maxMailboxDepth: 10,
  maxSizeMailboxName: 255,
  maxSizeAttachmentsPerEmail: 50_000_000,
  emailQuerySortOptions: ['receivedAt', 'size', 'from', 'to', 'subject', 'sentAt', 'hasKeyword'],
  mayCreateTopLevelMailbox: true,
} as const;

export interface JmapSession {
  capabilities: Record<string, unknown>;
  accounts: Record<
    string,
    { name: string; isPersonal: boolean; isReadOnly: boolean; accountCapabilities: Record<string, unknown> }
  >;
  primaryAccounts: Record<string, string>;
  username: string;
  apiUrl: string;
  downloadUrl: string;
  uploadUrl: string;
  eventSourceUrl: string;
  state: string;
}

/** The JMAP session resource (RFC 8620 §2) of an authenticated device. */
@Injectable()
export class SessionService {
  constructor(
    @Inject(CONFIG) private readonly config: PushConfig,
    @Inject(AccountDirectory) private readonly accounts: AccountDirectory,
    @Inject(DeviceCredentialsView) private readonly credentials: DeviceCredentialsView,
    @Inject(MailboxLimitsCache) private readonly limits: Pick<MailboxLimitsCache, 'current'>,
    @Optional() @Inject(WEB_PUSH) private readonly webPush?: WebPush | null,
  ) {}

  async sessionFor(device: AuthenticatedDevice): Promise<JmapSession> {
    const limits = await this.limits.current();
    const base = this.config.PUBLIC_URL;
    const { accountId } = device;
    const username = this.usernameOf(accountId);
    return {
      capabilities: {
        [CORE_CAPABILITY]: {
          ...DEFAULT_CORE_LIMITS,
          collationAlgorithms: [...DEFAULT_CORE_LIMITS.collationAlgorithms],
        },
        [MAIL_CAPABILITY]: {},
        [SUBMISSION_CAPABILITY]: {},
        [VACATION_RESPONSE_CAPABILITY]: {},
        [WEBSOCKET_CAPABILITY]: {
          url: `${base.replace(/^http/, 'ws')}${WEBSOCKET_PATH}`,
          supportsPush: true,
        },
        // RFC 9749: the key push services check this server's VAPID signatures against.
        ...(this.webPush
          ? { [WEBPUSH_VAPID_CAPABILITY]: { applicationServerKey: this.webPush.applicationServerKey } }
          : {}),
      },
      accounts: {
        [accountId]: {
          name: username,
          isPersonal: true,
          isReadOnly: false,
          accountCapabilities: {
            [CORE_CAPABILITY]: {},
            [MAIL_CAPABILITY]: {
              ...MAIL_ACCOUNT_CAPABILITY,
              emailQuerySortOptions: [...MAIL_ACCOUNT_CAPABILITY.emailQuerySortOptions],
            },
            [SUBMISSION_CAPABILITY]: submissionAccountCapability(limits.submission.maxHoldSeconds),
            [VACATION_RESPONSE_CAPABILITY]: {},
          },
        },
      },
      primaryAccounts: {
        [MAIL_CAPABILITY]: accountId,
        [SUBMISSION_CAPABILITY]: accountId,
        [VACATION_RESPONSE_CAPABILITY]: accountId,
      },
      username,
      apiUrl: `${base}/jmap/api`,
      downloadUrl: `${base}/jmap/download/{accountId}/{blobId}/{name}?accept={type}`,
      uploadUrl: `${base}/jmap/upload/{accountId}/`,
      eventSourceUrl: `${base}/jmap/eventsource/?types={types}&closeafter={closeafter}&ping={ping}`,
      state: this.stateFrom(device, limits),
    };
  }

  /**
   * The session's state: it changes exactly when something the session resource shows changes
   * (the device's access, the account's address, the submission hold mailbox enforces), so a client
   * comparing `sessionState` in API responses knows when to fetch the session again.
   */
  async stateOf(device: AuthenticatedDevice): Promise<string> {
    // With no limits known yet the session resource answers 503: a state that matches no session
    // served sends a client to fetch it again once mailbox answers.
    const limits = await this.limits.current().catch(() => undefined);
    return this.stateFrom(device, limits);
  }

  private stateFrom(device: AuthenticatedDevice, limits: MailboxLimits | undefined): string {
    const access =
      this.credentials
        .snapshotOf(device.accountId)
        ?.devices.find((entry) => entry.deviceId === device.deviceId)?.access ?? 'allowed';
    const hold = limits?.submission.maxHoldSeconds ?? 'unknown';
    const shown = [device.accountId, access, this.usernameOf(device.accountId), hold].join('\n');
    return sha256Hex(shown).slice(0, 16);
  }

  private usernameOf(accountId: string): string {
    return this.accounts.addressOf(accountId) ?? accountId;
  }
}
