import { BearerTokenGuard } from '@pushmail/platform';

/**
 * Admits push-delivery's calls carrying `Authorization: Bearer <INTERNAL_TOKEN>`; without that
 * variable the internal routes answer 503.
 */
export const InternalTokenGuard = BearerTokenGuard.for({ token: 'INTERNAL_TOKEN', audience: 'internal' });
