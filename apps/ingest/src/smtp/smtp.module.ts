import { Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER } from '@pushmail/platform';
import type { IngestConfig } from '../config/ingest-config.js';
import { IngestMetrics } from '../metrics/ingest-metrics.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { RecipientDirectory } from '../recipients/recipient-directory.js';
import { RecipientsModule } from '../recipients/recipients.module.js';
import { AcceptMessageModule } from '../usecases/accept-message/accept-message.module.js';
import { AcceptMessage } from '../usecases/accept-message/accept-message.usecase.js';
import { AuthenticateSenderModule } from '../usecases/authenticate-sender/authenticate-sender.module.js';
import { AuthenticateSender } from '../usecases/authenticate-sender/authenticate-sender.usecase.js';
import { SmtpLifecycleService } from './smtp-lifecycle.service.js';
import { SmtpListener } from './smtp-listener.js';
import { SmtpSessionHandler } from './smtp-session.handler.js';

const DRAIN_TIMEOUT_MS = 10_000;

@Module({
  imports: [RecipientsModule, AcceptMessageModule, AuthenticateSenderModule, MetricsModule],
  providers: [
    {
      provide: SmtpSessionHandler,
      inject: [RecipientDirectory, AcceptMessage, IngestMetrics, LOGGER, CONFIG, AuthenticateSender],
      useFactory: (
        directory: RecipientDirectory,
        acceptMessage: AcceptMessage,
        metrics: IngestMetrics,
        logger: Logger,
        config: IngestConfig,
        authenticateSender: AuthenticateSender,
      ) =>
        new SmtpSessionHandler(
          directory,
          acceptMessage,
          metrics,
          logger,
          {
            maxMessageBytes: config.SMTP_MAX_MESSAGE_BYTES,
            maxRecipients: config.SMTP_MAX_RECIPIENTS,
            maxClients: config.SMTP_MAX_CLIENTS,
            maxClientsPerAddress: config.SMTP_MAX_CLIENTS_PER_ADDRESS,
            errorDelayMs: config.SMTP_ERROR_DELAY_MS,
          },
          authenticateSender,
        ),
    },
    {
      provide: SmtpListener,
      inject: [SmtpSessionHandler, LOGGER, CONFIG],
      useFactory: (handler: SmtpSessionHandler, logger: Logger, config: IngestConfig) =>
        new SmtpListener(
          handler,
          {
            host: config.SMTP_HOST,
            port: config.SMTP_PORT,
            hostname: config.SMTP_HOSTNAME,
            maxMessageBytes: config.SMTP_MAX_MESSAGE_BYTES,
            socketTimeoutMs: config.SMTP_SOCKET_TIMEOUT_MS,
            drainTimeoutMs: DRAIN_TIMEOUT_MS,
            guard: {
              commandTimeoutMs: config.SMTP_COMMAND_TIMEOUT_MS,
              dataTimeoutMs: config.SMTP_DATA_TIMEOUT_MS,
              maxErrors: config.SMTP_MAX_ERRORS,
            },
          },
          logger,
        ),
    },
    SmtpLifecycleService,
  ],
  exports: [SmtpListener, SmtpLifecycleService],
})
export class SmtpModule {}
