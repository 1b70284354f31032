import 'reflect-metadata';
import { bootstrapService } from '@pushmail/platform';
import { registryService } from './service.js';

// Migrations, topics and the producer are all in place once the service listens: they run in the
// modules' init hooks, which complete before the server accepts connections.
await bootstrapService(registryService);
