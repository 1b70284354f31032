import { Module } from '@nestjs/common';
import { deviceRegistryOpenApi } from './openapi-document.js';
import { OPENAPI_DOCUMENT, OpenApiController } from './openapi.controller.js';

@Module({
  controllers: [OpenApiController],
  providers: [{ provide: OPENAPI_DOCUMENT, useFactory: deviceRegistryOpenApi }],
})
export class OpenApiModule {}
