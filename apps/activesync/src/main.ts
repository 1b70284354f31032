import 'reflect-metadata';
import { bootstrapService } from '@pushmail/platform';
import { activeSyncService } from './service.js';

await bootstrapService(activeSyncService);
