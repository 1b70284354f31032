import { BearerTokenGuard } from '@pushmail/platform';

/** Admits a request carrying `Authorization: Bearer <ADMIN_TOKEN>`. */
export const AdminTokenGuard = BearerTokenGuard.for({ token: 'ADMIN_TOKEN', audience: 'admin' });
