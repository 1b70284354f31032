import { Global, Module } from '@nestjs/common';
import { RegistryClient } from './registry-client.js';

@Global()
@Module({ providers: [RegistryClient], exports: [RegistryClient] })
export class RegistryModule {}
