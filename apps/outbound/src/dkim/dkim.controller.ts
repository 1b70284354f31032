import { Controller, Get, Inject, Param } from '@nestjs/common';
import { type DkimDnsRecord, DkimKeys } from './dkim-keys.service.js';

/** The DNS record each hosted domain must publish for its mail to pass DKIM; public information. */
@Controller('dkim')
export class DkimController {
  constructor(@Inject(DkimKeys) private readonly keys: DkimKeys) {}

  @Get(':domain')
  record(@Param('domain') domain: string): DkimDnsRecord {
    return this.keys.dnsRecord(domain);
  }
}
