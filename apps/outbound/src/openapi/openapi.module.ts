import { Module } from '@nestjs/common';
import { outboundOpenApi } from './openapi-document.js';
import { OUTBOUND_OPENAPI, OpenApiController } from './openapi.controller.js';

@Module({
  controllers: [OpenApiController],
  providers: [{ provide: OUTBOUND_OPENAPI, useFactory: outboundOpenApi }],
})
export class OpenApiModule {}
