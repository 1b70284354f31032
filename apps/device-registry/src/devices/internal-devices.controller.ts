import { Body, HttpCode, Inject, Post } from '@nestjs/common';
import { InternalController, ZodValidationPipe } from '@pushmail/platform';
import {
  acknowledgePolicySchema,
  type ActivityBatch,
  type ActivityRecorded,
  activitySchema,
  confirmWipeSchema,
  internalRotateTokenSchema,
  type InternalTokenRotation,
  type PasswordSignIn,
  passwordSignInSchema,
  type PolicyAcknowledged,
  type PolicyAcknowledgement,
  type SignedInPrincipal,
  type CheckedToken,
  type TokenCheck,
  tokenCheckSchema,
  type WipeConfirmation,
  type WipeConfirmed,
} from '@pushmail/contracts';
import { WipesService } from '../wipes/wipes.service.js';
import { AcknowledgePolicy } from '../usecases/acknowledge-policy/acknowledge-policy.usecase.js';
import { AuthenticateDevice } from '../usecases/authenticate-device/authenticate-device.usecase.js';
import { CheckDeviceToken } from '../usecases/check-device-token/check-device-token.usecase.js';
import { RecordActivity } from '../usecases/record-activity/record-activity.usecase.js';
import {
  RotateDeviceToken,
  type RotatedToken,
} from '../usecases/rotate-device-token/rotate-device-token.usecase.js';

/**
 * What push-delivery asks on behalf of a device it holds: never reachable without INTERNAL_TOKEN.
 * Answers carry the account revision whose snapshot reflects the change, so push-delivery can wait
 * for its own view to catch up before it answers the device.
 */
@InternalController('internal/v1')
export class InternalDevicesController {
  constructor(
    @Inject(AuthenticateDevice) private readonly authenticateDevice: AuthenticateDevice,
    @Inject(AcknowledgePolicy) private readonly acknowledgePolicy: AcknowledgePolicy,
    @Inject(WipesService) private readonly wipes: WipesService,
    @Inject(RotateDeviceToken) private readonly rotateToken: RotateDeviceToken,
    @Inject(RecordActivity) private readonly recordActivity: RecordActivity,
    @Inject(CheckDeviceToken) private readonly checkToken: CheckDeviceToken,
  ) {}

  /** A standard client's address and password: 200 with the principal, or the refusal. */
  @Post('authenticate')
  @HttpCode(200)
  authenticate(
    @Body(new ZodValidationPipe(passwordSignInSchema)) body: PasswordSignIn,
  ): Promise<SignedInPrincipal> {
    return this.authenticateDevice.execute(body);
  }

  @Post('devices/policy-acknowledgements')
  @HttpCode(200)
  acknowledge(
    @Body(new ZodValidationPipe(acknowledgePolicySchema)) body: PolicyAcknowledgement,
  ): Promise<PolicyAcknowledged> {
    return this.acknowledgePolicy.execute(body);
  }

  @Post('devices/wipe-confirmations')
  @HttpCode(200)
  async confirmWipe(
    @Body(new ZodValidationPipe(confirmWipeSchema)) body: WipeConfirmation,
  ): Promise<WipeConfirmed> {
    const { wipe, revision } = await this.wipes.confirm(body.accountId, body.deviceId, body.wipeId);
    return { wipeId: wipe.wipeId, confirmedAt: wipe.confirmedAt, revision };
  }

  @Post('devices/token-rotations')
  @HttpCode(200)
  rotate(
    @Body(new ZodValidationPipe(internalRotateTokenSchema)) body: InternalTokenRotation,
  ): Promise<RotatedToken> {
    return this.rotateToken.execute(body.tokenSha256, { accountId: body.accountId, deviceId: body.deviceId });
  }

  /**
   * A token the edge's credentials index does not hold (yet): 200 with its device and the revision
   * whose snapshot lists it, or 401 `invalid_token` when it is unknown or revoked.
   */
  @Post('devices/token-checks')
  @HttpCode(200)
  check(@Body(new ZodValidationPipe(tokenCheckSchema)) body: TokenCheck): Promise<CheckedToken> {
    return this.checkToken.execute(body.tokenSha256);
  }

  @Post('devices/activity')
  @HttpCode(200)
  activity(@Body(new ZodValidationPipe(activitySchema)) body: ActivityBatch): Promise<ActivityRecorded> {
    return this.recordActivity.execute(body);
  }
}
