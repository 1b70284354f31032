import { Module } from '@nestjs/common';
import { operationsOpenApi } from './openapi-document.js';
import { OPERATIONS_OPENAPI, OpenApiController } from './openapi.controller.js';

@Module({
  controllers: [OpenApiController],
  providers: [{ provide: OPERATIONS_OPENAPI, useFactory: operationsOpenApi }],
})
export class OpenApiModule {}
