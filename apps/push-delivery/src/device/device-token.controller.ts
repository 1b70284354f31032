import { Controller, HttpCode, HttpException, Inject, Post, UseGuards } from '@nestjs/common';
import { CurrentDevice, DeviceAuthGuard } from '../auth/device-auth.guard.js';
import type { AuthenticatedDevice } from '../auth/device-authenticator.js';
import { DeviceCredentialsView } from '../auth/device-credentials.view.js';
import { RegistryClient, RegistryUnavailableError } from '@pushmail/edge';

const VIEW_WAIT_MS = 5000;

function problem(status: number, title: string, detail: string): HttpException {
  return new HttpException({ type: 'about:blank', status, title, detail }, status);
}

/**
 * Token rotation through the edge the device already talks to. The answer comes only once this
 * replica holds the snapshot without the old token: from then on the old token is refused here
 * and the new one accepted, with no overlap.
 */
@Controller('jmap/device')
@UseGuards(DeviceAuthGuard)
export class DeviceTokenController {
  constructor(
    @Inject(RegistryClient) private readonly registry: RegistryClient,
    @Inject(DeviceCredentialsView) private readonly credentials: DeviceCredentialsView,
  ) {}

  @Post('token')
  @HttpCode(200)
  async rotate(
    @CurrentDevice() device: AuthenticatedDevice,
  ): Promise<{ accountId: string; deviceId: string; token: string }> {
    if (device.tokenSha256 === undefined) {
      throw problem(
        400,
        'Bad Request',
        'this device signs in with the account password; it has no token to rotate',
      );
    }
    let answer: Awaited<ReturnType<RegistryClient['rotateToken']>>;
    try {
      answer = await this.registry.rotateToken({
        accountId: device.accountId,
        deviceId: device.deviceId,
        tokenSha256: device.tokenSha256,
      });
    } catch (error) {
      if (error instanceof RegistryUnavailableError) {
        throw problem(503, 'Service Unavailable', 'token rotation is unavailable right now; retry shortly');
      }
      throw error;
    }
    if (!answer.ok) {
      const status = answer.refusal.status === 401 ? 401 : 403;
      throw problem(status, status === 401 ? 'Unauthorized' : 'Forbidden', answer.refusal.message);
    }
    await this.credentials.waitForRevision(device.accountId, answer.value.revision, VIEW_WAIT_MS);
    return { accountId: device.accountId, deviceId: device.deviceId, token: answer.value.token };
  }
}
