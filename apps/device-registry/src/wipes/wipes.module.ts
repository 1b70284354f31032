import { Module } from '@nestjs/common';
import { PublishingModule } from '../publishing/publishing.module.js';
import { WipesController } from './wipes.controller.js';
import { WipesService } from './wipes.service.js';

@Module({
  imports: [PublishingModule],
  controllers: [WipesController],
  providers: [WipesService],
  exports: [WipesService],
})
export class WipesModule {}
