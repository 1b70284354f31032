import { Module, type DynamicModule } from '@nestjs/common';
import { createLogger, HealthModule, MessagingModule } from '@pushmail/platform';
import type { Logger } from 'pino';
import { ApiModule } from './api/api.module.js';
import { AuthModule } from './auth/auth.module.js';
import { BlobsModule } from './blobs/blobs.module.js';
import { PUSH_CONFIG, PUSH_LOGGER, type PushConfig } from './config/push-config.js';
import { DeviceModule } from './device/device.module.js';
import { EventSourceModule } from './eventsource/eventsource.module.js';
import { MetricsModule } from './metrics/push-metrics.js';
import { PushModule } from './push/push.module.js';
import { SessionModule } from './session/session.module.js';
import { SocketModule } from './socket/socket.module.js';
import { TrailModule } from './trail/trail.service.js';

@Module({})
export class AppModule {
  static register(config: PushConfig, logger: Logger = createLogger('push-delivery')): DynamicModule {
    return {
      module: AppModule,
      global: true,
      providers: [
        { provide: PUSH_CONFIG, useValue: config },
        { provide: PUSH_LOGGER, useValue: logger },
      ],
      exports: [PUSH_CONFIG, PUSH_LOGGER],
      imports: [
        HealthModule,
        MetricsModule,
        MessagingModule.register({
          clientId: 'push-delivery',
          configToken: PUSH_CONFIG,
          loggerToken: PUSH_LOGGER,
        }),
        TrailModule,
        AuthModule,
        DeviceModule,
        SessionModule,
        ApiModule,
        SocketModule,
        BlobsModule,
        EventSourceModule,
        PushModule,
      ],
    };
  }
}
