import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ZodValidationPipe } from '@pushmail/platform';
import { AdminTokenGuard } from '../auth/admin-token.guard.js';
import { type ListWipesQuery, listWipesQuerySchema } from './dto/wipe.dto.js';
import { type WipeView, WipesService } from './wipes.service.js';

/** The record of remote wipes: who asked, when, and when each device confirmed. */
@Controller('admin/wipes')
@UseGuards(AdminTokenGuard)
export class WipesController {
  constructor(@Inject(WipesService) private readonly wipes: WipesService) {}

  @Get()
  async list(
    @Query(new ZodValidationPipe(listWipesQuerySchema, 'query')) query: ListWipesQuery,
  ): Promise<{ wipes: WipeView[] }> {
    return { wipes: await this.wipes.list(query) };
  }

  @Get(':wipeId')
  get(@Param('wipeId', new ZodValidationPipe(z.uuid(), 'wipeId')) wipeId: string): Promise<WipeView> {
    return this.wipes.get(wipeId);
  }
}
