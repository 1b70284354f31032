import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@pushmail/platform';
import { AdminTokenGuard } from '../auth/admin-token.guard.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import {
  type ListWipesQuery,
  listWipesQuerySchema,
  wipeIdParamSchema,
  wipeSchema,
  wipesSchema,
} from './dto/wipe.dto.js';
import { type WipeView, WipesService } from './wipes.service.js';

/** The record of remote wipes: who asked, when, and when each device confirmed. */
@Controller('admin/wipes')
@UseGuards(AdminTokenGuard)
@ApiSecurity('adminToken')
@ApiTags('wipes')
export class WipesController {
  constructor(@Inject(WipesService) private readonly wipes: WipesService) {}

  @Get()
  @ApiOperation({
    operationId: 'listWipes',
    summary: 'Remote wipes, newest first',
    responses: { 200: { description: 'Wipes', schema: wipesSchema } },
    errors: [400, 401],
  })
  async list(
    @Query(new ZodValidationPipe(listWipesQuerySchema, 'query')) query: ListWipesQuery,
  ): Promise<{ wipes: WipeView[] }> {
    return { wipes: await this.wipes.list(query) };
  }

  @Get(':wipeId')
  @ApiOperation({
    operationId: 'getWipe',
    summary: 'One wipe',
    responses: { 200: { description: 'The wipe', schema: wipeSchema } },
    errors: [400, 401, 404],
  })
  get(
    @Param('wipeId', new ZodValidationPipe(wipeIdParamSchema, 'wipeId')) wipeId: string,
  ): Promise<WipeView> {
    return this.wipes.get(wipeId);
  }
}
