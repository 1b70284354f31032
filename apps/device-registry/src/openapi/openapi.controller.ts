import { Controller, Get, Header, Inject, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags, type Json } from '@pushmail/platform';
import { z } from 'zod';
import { AdminTokenGuard } from '../auth/admin-token.guard.js';

/** The service's generated OpenAPI document. */
export const OPENAPI_DOCUMENT = Symbol('OPENAPI_DOCUMENT');

@Controller('admin')
@UseGuards(AdminTokenGuard)
@ApiSecurity('adminToken')
@ApiTags('settings')
export class OpenApiController {
  constructor(@Inject(OPENAPI_DOCUMENT) private readonly document: Json) {}

  @Get('openapi.json')
  @Header('cache-control', 'no-store')
  @ApiOperation('getOpenApi', 'This document', { 200: ['The OpenAPI document', z.looseObject({})] }, [401])
  openapi(): Json {
    return this.document;
  }
}
