import { Module } from '@nestjs/common';
import { RegistryForwardController } from './registry-forward.controller.js';

/** Imported last by the application: Express matches routes in the order Nest registers them. */
@Module({ controllers: [RegistryForwardController] })
export class RegistryForwardModule {}
