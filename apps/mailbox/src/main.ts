import 'reflect-metadata';
import { bootstrapService } from '@pushmail/platform';
import { mailboxService } from './service.js';

// Migrations run, topics exist and the producer is connected once the init hooks complete; the
// consumer starts in the bootstrap hooks right after, all before the server accepts connections.
await bootstrapService(mailboxService);
