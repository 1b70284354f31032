import { Module } from '@nestjs/common';
import { CONFIG, configuredDnsCache } from '@pushmail/platform';
import type { DNSResolver } from 'mailauth';
import type { IngestConfig } from '../../config/ingest-config.js';
import { AuthenticateSender } from './authenticate-sender.usecase.js';
import { DNS_RESOLVER, systemResolver } from './dns-resolver.js';

@Module({
  providers: [
    {
      provide: DNS_RESOLVER,
      inject: [CONFIG],
      useFactory: (config: IngestConfig): DNSResolver =>
        configuredDnsCache(systemResolver(config.DNS_SERVERS), config.DNS_CACHE_SECONDS),
    },
    {
      provide: AuthenticateSender,
      inject: [DNS_RESOLVER, CONFIG],
      useFactory: (resolver: DNSResolver, config: IngestConfig) =>
        new AuthenticateSender({
          hostname: config.SMTP_HOSTNAME,
          resolver,
          policies: config.INBOUND_AUTH_POLICY,
          defaultPolicy: config.INBOUND_AUTH_DEFAULT_POLICY,
          timeoutMs: config.INBOUND_AUTH_TIMEOUT_MS,
        }),
    },
  ],
  exports: [AuthenticateSender],
})
export class AuthenticateSenderModule {}
