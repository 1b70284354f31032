import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, HealthModule, type ServiceContext } from '@pushmail/platform';
import { ApiModule } from './api/api.module.js';
import { AuthModule } from './auth/auth.module.js';
import { BlobsModule } from './blobs/blobs.module.js';
import type { PushConfig } from './config/push-config.js';
import { DeviceModule } from './device/device.module.js';
import { EventSourceModule } from './eventsource/eventsource.module.js';
import { MessagingModule } from './messaging/messaging.module.js';
import { MetricsModule } from './metrics/push-metrics.js';
import { PushModule } from './push/push.module.js';
import { SessionModule } from './session/session.module.js';
import { SocketModule } from './socket/socket.module.js';
import { TrailModule } from './trail/trail.service.js';

@Module({})
export class AppModule {
  static register(context: ServiceContext<PushConfig>): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(context),
        HealthModule,
        MetricsModule,
        MessagingModule,
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
