import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module.js';
import { PoliciesModule } from '../policies/policies.module.js';
import { SettingsController } from './settings.controller.js';

@Module({ imports: [AccessModule, PoliciesModule], controllers: [SettingsController] })
export class SettingsModule {}
