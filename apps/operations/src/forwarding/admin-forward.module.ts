import { Module } from '@nestjs/common';
import { AdminForwardController } from './admin-forward.controller.js';

/** Imported last by the application: Express matches routes in the order Nest registers them. */
@Module({ controllers: [AdminForwardController] })
export class AdminForwardModule {}
