import { Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ZodValidationPipe, AdminController } from '@pushmail/platform';
import {
  type ListWipesQuery,
  listWipesQuerySchema,
  wipeIdParamSchema,
  wipeSchema,
  wipesSchema,
  type WipeView,
} from './dto/wipe.dto.js';
import { WipesService } from './wipes.service.js';

/** The record of remote wipes: who asked, when, and when each device confirmed. */
@AdminController('admin/wipes', 'wipes')
export class WipesController {
  constructor(@Inject(WipesService) private readonly wipes: WipesService) {}

  @Get()
  @ApiOperation('listWipes', 'Remote wipes, newest first', { 200: ['Wipes', wipesSchema] }, [400, 401])
  async list(
    @Query(new ZodValidationPipe(listWipesQuerySchema, 'query')) query: ListWipesQuery,
  ): Promise<{ wipes: WipeView[] }> {
    return { wipes: await this.wipes.list(query) };
  }

  @Get(':wipeId')
  @ApiOperation('getWipe', 'One wipe', { 200: ['The wipe', wipeSchema] }, [400, 401, 404])
  get(
    @Param('wipeId', new ZodValidationPipe(wipeIdParamSchema, 'wipeId')) wipeId: string,
  ): Promise<WipeView> {
    return this.wipes.get(wipeId);
  }
}
