import 'reflect-metadata';
import { bootstrapService } from '@pushmail/platform';
import { ingestService } from './service.js';

await bootstrapService(ingestService);
