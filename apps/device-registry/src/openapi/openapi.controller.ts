import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from '../auth/admin-token.guard.js';
import { buildOpenApiDocument } from './openapi-document.js';

@Controller('admin')
@UseGuards(AdminTokenGuard)
export class OpenApiController {
  private readonly document = buildOpenApiDocument();

  @Get('openapi.json')
  @Header('cache-control', 'no-store')
  openapi(): Record<string, unknown> {
    return this.document;
  }
}
