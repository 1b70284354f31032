import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import {
  MAILBOX_CONFIG,
  MAILBOX_LOGGER,
  MAILBOX_RUNTIME_OPTIONS,
  type MailboxConfig,
  type MailboxRuntimeOptions,
} from './mailbox-config.js';

/** The validated configuration and the service's logger, visible to every module. */
@Module({})
export class MailboxConfigModule {
  static register(config: MailboxConfig, logger: Logger, options: MailboxRuntimeOptions): DynamicModule {
    return {
      module: MailboxConfigModule,
      global: true,
      providers: [
        { provide: MAILBOX_CONFIG, useValue: config },
        { provide: MAILBOX_LOGGER, useValue: logger },
        { provide: MAILBOX_RUNTIME_OPTIONS, useValue: options },
      ],
      exports: [MAILBOX_CONFIG, MAILBOX_LOGGER, MAILBOX_RUNTIME_OPTIONS],
    };
  }
}
