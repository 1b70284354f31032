import { Module } from '@nestjs/common';
import { ApiModule } from './api/api.module.js';
import { AuthModule } from './auth/auth.module.js';
import { BlobsModule } from './blobs/blobs.module.js';
import { DeviceModule } from './device/device.module.js';
import { EventSourceModule } from './eventsource/eventsource.module.js';
import { MetricsModule } from './metrics/push-metrics.js';
import { PushModule } from './push/push.module.js';
import { SessionModule } from './session/session.module.js';
import { SocketModule } from './socket/socket.module.js';
import { TrailModule } from '@pushmail/edge';
import { WebPushModule } from './webpush/web-push.service.js';

@Module({
  imports: [
    MetricsModule,
    WebPushModule,
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
})
export class AppModule {}
