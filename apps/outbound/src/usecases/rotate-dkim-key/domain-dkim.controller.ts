import { Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { AdminController, ApiOperation, ZodValidationPipe } from '@pushmail/platform';
import { type DomainDkim, domainDkimSchema, domainParamSchema } from './dto/domain-dkim.dto.js';
import { RotateDkimKey } from './rotate-dkim-key.usecase.js';

const domainPipe = new ZodValidationPipe(domainParamSchema, 'domain');

@AdminController('admin/domains', 'sending')
export class DomainDkimController {
  constructor(@Inject(RotateDkimKey) private readonly rotation: RotateDkimKey) {}

  @Get(':domain/dkim')
  @ApiOperation(
    'getDomainDkim',
    "A hosted domain's DKIM keys and the DNS records to publish",
    { 200: ['The keys, signing, next and retired', domainDkimSchema] },
    [400, 401, 404],
  )
  show(@Param('domain', domainPipe) domain: string): DomainDkim {
    return this.rotation.show(domain);
  }

  @Post(':domain/dkim/rotate')
  @HttpCode(200)
  @ApiOperation(
    'rotateDomainDkim',
    'Make a new DKIM key that signs after DKIM_ROTATION_DELAY_MS; the old record stays to publish for the grace time',
    { 200: ['The keys, the new one `next`', domainDkimSchema] },
    [400, 401, 404, 409],
  )
  rotate(@Param('domain', domainPipe) domain: string): Promise<DomainDkim> {
    return this.rotation.rotate(domain);
  }
}
