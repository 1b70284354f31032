import { Module } from '@nestjs/common';
import { OutboundModule } from '../outbound/outbound.module.js';
import { operationsOpenApi } from './openapi-document.js';
import { OPERATIONS_OPENAPI, OpenApiController } from './openapi.controller.js';

@Module({
  imports: [OutboundModule],
  controllers: [OpenApiController],
  providers: [{ provide: OPERATIONS_OPENAPI, useFactory: operationsOpenApi }],
})
export class OpenApiModule {}
