import {
  BadRequestException,
  Body,
  Get,
  HttpCode,
  HttpException,
  Inject,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import {
  DEFAULT_CORE_LIMITS,
  type JmapResponse,
  type MailboxLimits,
  requestError,
  RequestProblem,
  validateRequest,
} from '@pushmail/jmap';
import { CONFIG, InternalController, ProblemException } from '@pushmail/platform';
import type { MailboxConfig } from '../config/mailbox-config.js';
import { accountIdParam, internalJmapRequestSchema } from './dto/internal-jmap-request.dto.js';
import { type AccountStatesView, JmapService } from './jmap.service.js';

/** Internal only: push-delivery authenticates devices and forwards their JMAP calls here. */
@InternalController('internal/jmap')
export class JmapController {
  constructor(
    @Inject(JmapService) private readonly jmap: JmapService,
    @Inject(CONFIG) private readonly config: MailboxConfig,
  ) {}

  /**
   * The limits mailbox enforces that the session resource advertises: push-delivery builds the
   * session from this answer, so what devices are told is what mailbox accepts.
   */
  @Get('limits')
  limits(): MailboxLimits {
    return { submission: { maxHoldSeconds: this.config.SUBMISSION_MAX_HOLD_SECONDS } };
  }

  @Post()
  @HttpCode(200)
  async call(@Body() body: unknown): Promise<JmapResponse> {
    const envelope = internalJmapRequestSchema.safeParse(body);
    if (!envelope.success) {
      throw new BadRequestException(
        requestError('notRequest', 'the body must be {"accountId": uuid, "request": JMAP Request}'),
      );
    }
    const parsed = validateRequest(envelope.data.request, DEFAULT_CORE_LIMITS);
    if (!parsed.ok) throw new HttpException(parsed.problem, parsed.problem.status);
    try {
      return await this.jmap.execute(
        envelope.data.accountId,
        parsed.request,
        envelope.data.address === undefined ? {} : { address: envelope.data.address },
      );
    } catch (error) {
      // A request over its budget (docs/adr/0051): push-delivery passes the problem on to the device.
      if (error instanceof RequestProblem) throw new ProblemException(error.problem);
      throw error;
    }
  }

  /**
   * The current states, for answering a push subscription's catch-up: with `since` (a push state),
   * only the types that changed after it.
   */
  @Get('state/:accountId')
  async state(
    @Param('accountId') accountId: string,
    @Query('since') since: unknown,
  ): Promise<AccountStatesView> {
    if (!accountIdParam.safeParse(accountId).success) {
      throw new BadRequestException({ error: 'invalid_request', message: 'accountId must be a uuid' });
    }
    return this.jmap.states(accountId, typeof since === 'string' ? since : undefined);
  }
}
