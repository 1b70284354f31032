import 'reflect-metadata';
import { bootstrapService } from '@pushmail/platform';
import { operationsService } from './service.js';

// Migrations, topics and the producer are in place and the trail handlers consume once the
// service listens: they start in the bootstrap, before the server accepts connections.
await bootstrapService(operationsService);
