import { Module } from '@nestjs/common';
import { ConsoleFilesController } from './console-files.controller.js';
import { LiveCountersController } from './live-counters.controller.js';

@Module({ controllers: [ConsoleFilesController, LiveCountersController] })
export class ConsoleModule {}
