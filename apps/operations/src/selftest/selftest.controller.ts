import { Body, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOperation, ZodValidationPipe, AdminController } from '@pushmail/platform';
import { type SelfTestDto, selfTestReportSchema, selfTestSchema } from './dto/selftest.dto.js';
import { type SelfTestReport, SelfTestService } from './selftest.service.js';

@AdminController('admin/selftest', 'diagnostics')
export class SelfTestController {
  constructor(@Inject(SelfTestService) private readonly selfTest: SelfTestService) {}

  /** Always 200 once it ran: a failing hop is the answer, not an error of this endpoint. */
  @Post()
  @HttpCode(200)
  @ApiOperation(
    'runSelfTest',
    'Send the account a mail and follow it as the device: SMTP, Kafka, store, push, fetch',
    { 200: ['Each hop with its time, or where mail stopped', selfTestReportSchema] },
    [400, 401, 404],
  )
  run(@Body(new ZodValidationPipe(selfTestSchema)) body: SelfTestDto): Promise<SelfTestReport> {
    return this.selfTest.run(body);
  }
}
