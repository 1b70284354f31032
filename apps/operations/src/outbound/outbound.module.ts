import { Module } from '@nestjs/common';
import { OutboundClient } from './outbound-client.js';
import { OutboundForwardController } from './outbound-forward.controller.js';

/** Before the registry's forwarding: Express matches routes in the order Nest registers them. */
@Module({ controllers: [OutboundForwardController], providers: [OutboundClient], exports: [OutboundClient] })
export class OutboundModule {}
