import 'reflect-metadata';
import { bootstrapService } from '@pushmail/platform';
import { outboundService } from './service.js';

// Migrations run, topics exist and the producer is connected once the init hooks complete; the
// consumer and the queue's worker start in the bootstrap hooks right after.
await bootstrapService(outboundService);
