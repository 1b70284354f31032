import 'reflect-metadata';
import { bootstrapService } from '@pushmail/platform';
import { pushService } from './service.js';

await bootstrapService(pushService);
