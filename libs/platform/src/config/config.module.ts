import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';

/** The service's validated configuration (the output of its config schema): `@Inject(CONFIG) config: MailboxConfig`. */
export const CONFIG = Symbol('CONFIG');
/** The service's JSON logger, with the redaction its config schema asks for. */
export const LOGGER = Symbol('LOGGER');
/** The service's name, as in its logs, traces and Kafka client id. */
export const SERVICE_NAME = Symbol('SERVICE_NAME');

export interface ServiceContext<C extends object = object> {
  name: string;
  config: C;
  logger: Logger;
}

/** The configuration, logger and name of the service, visible to every module of it. */
@Module({})
export class ConfigModule {
  static forRoot({ name, config, logger }: ServiceContext): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: SERVICE_NAME, useValue: name },
      ],
      exports: [CONFIG, LOGGER, SERVICE_NAME],
    };
  }
}
