import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { ZodValidationPipe } from '@pushmail/platform';
import { AdminTokenGuard } from '../auth/admin-token.guard.js';
import { type SelfTestDto, selfTestSchema } from './dto/selftest.dto.js';
import { type SelfTestReport, SelfTestService } from './selftest.service.js';

@Controller('admin/selftest')
@UseGuards(AdminTokenGuard)
export class SelfTestController {
  constructor(@Inject(SelfTestService) private readonly selfTest: SelfTestService) {}

  /** Always 200 once it ran: a failing hop is the answer, not an error of this endpoint. */
  @Post()
  @HttpCode(200)
  run(@Body(new ZodValidationPipe(selfTestSchema)) body: SelfTestDto): Promise<SelfTestReport> {
    return this.selfTest.run(body);
  }
}
