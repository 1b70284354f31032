import { Module } from '@nestjs/common';
import { CONFIG } from '@pushmail/platform';
import type { DNSResolver } from 'mailauth';
import type { IngestConfig } from '../../config/ingest-config.js';
import { AuthenticateSender } from './authenticate-sender.usecase.js';
import { cachedResolver, DNS_RESOLVER, systemResolver } from './dns-resolver.js';

/** "No such record" is reused for a minute at most, so a record just published is seen soon. */
const NEGATIVE_ANSWER_TTL_MS = 60_000;
/** About three names per sending domain: room for a few thousand domains. */
const DNS_CACHE_ENTRIES = 10_000;

@Module({
  providers: [
    {
      provide: DNS_RESOLVER,
      inject: [CONFIG],
      useFactory: (config: IngestConfig) => {
        const resolver = systemResolver(config.DNS_SERVERS);
        if (config.DNS_CACHE_SECONDS === 0) return resolver;
        return cachedResolver(resolver, {
          ttlMs: config.DNS_CACHE_SECONDS * 1000,
          negativeTtlMs: NEGATIVE_ANSWER_TTL_MS,
          maxEntries: DNS_CACHE_ENTRIES,
        });
      },
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
