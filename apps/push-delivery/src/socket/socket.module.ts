import { Module } from '@nestjs/common';
import { ApiModule } from '../api/api.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { ClientMessageHandler } from './client-message.handler.js';
import { ConnectionRegistry } from './connection-registry.js';
import { JmapSocketGateway } from './jmap-socket.gateway.js';

@Module({
  imports: [AuthModule, ApiModule],
  providers: [ConnectionRegistry, ClientMessageHandler, JmapSocketGateway],
  exports: [ConnectionRegistry],
})
export class SocketModule {}
