import { BearerTokenGuard } from '@pushmail/platform';

/** Admits push-delivery's calls carrying `Authorization: Bearer <INTERNAL_TOKEN>`. */
export const InternalTokenGuard = BearerTokenGuard.for({ token: 'INTERNAL_TOKEN', audience: 'internal' });
