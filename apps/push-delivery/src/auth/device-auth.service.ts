import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { isBasicAuthorization } from '@pushmail/edge';
import {
  authenticateBearerCheckingMisses,
  type AuthOutcome,
  blockedDetail,
  WWW_AUTHENTICATE,
} from './device-authenticator.js';
import { DeviceCredentialsView } from './device-credentials.view.js';
import { DeviceTokenCheck } from './device-token-check.js';
import { PasswordSignIn } from './password-sign-in.service.js';

/**
 * Who is calling, for every device-facing route and the WebSocket upgrade: a device token
 * (Bearer) or, for standard clients, the account's address and password (Basic). Either way the
 * answer reflects the latest credentials snapshot: blocked and wiped devices are refused,
 * quarantined ones let in. A token the snapshots do not hold yet is checked with device-registry
 * and waited for (see authenticateBearerCheckingMisses).
 */
@Injectable()
export class DeviceAuthenticator {
  constructor(
    @Inject(DeviceCredentialsView) private readonly credentials: DeviceCredentialsView,
    @Inject(PasswordSignIn) private readonly passwords: PasswordSignIn,
    @Inject(DeviceTokenCheck) private readonly tokenCheck: DeviceTokenCheck,
  ) {}

  async authenticate(request: IncomingMessage): Promise<AuthOutcome> {
    const authorization = request.headers.authorization;
    if (!isBasicAuthorization(authorization)) {
      const outcome = await authenticateBearerCheckingMisses(
        authorization,
        this.credentials,
        this.tokenCheck,
      );
      if (outcome.ok) return outcome;
      if (outcome.status === 401) return { ...outcome, headers: { 'WWW-Authenticate': WWW_AUTHENTICATE } };
      if (outcome.status === 503) return { ...outcome, headers: { 'Retry-After': '5', ...outcome.headers } };
      return outcome;
    }
    if (!this.credentials.isCaughtUp) {
      return {
        ok: false,
        status: 503,
        detail: 'device credentials are still loading; retry shortly',
        headers: { 'Retry-After': '5' },
      };
    }
    const outcome = await this.passwords.authenticate({
      authorization,
      headers: request.headers,
      url: request.url,
      clientAddress: clientAddressOf(request),
    });
    if (!outcome.ok) return outcome;
    const entry = this.credentials
      .snapshotOf(outcome.device.accountId)
      ?.devices.find((device) => device.deviceId === outcome.device.deviceId);
    if (!entry)
      return {
        ok: false,
        status: 401,
        detail: 'this device is no longer a partner of the account; sign in again',
      };
    if (entry.status === 'wiped')
      return {
        ok: false,
        status: 403,
        detail: 'device wiped; its partnership with the account has ended',
        device: outcome.device,
      };
    if (entry.access === 'blocked')
      return { ok: false, status: 403, detail: blockedDetail(entry.accessRule), device: outcome.device };
    return outcome;
  }
}

export function clientAddressOf(request: IncomingMessage): string | null {
  const address = request.socket.remoteAddress;
  return address ? address.replace(/^::ffff:/, '').slice(0, 64) : null;
}
