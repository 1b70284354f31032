import { applyDecorators, Controller, UseGuards } from '@nestjs/common';
import { BearerTokenGuard } from './bearer-token.guard.js';

/**
 * Admits the other services' calls carrying `Authorization: Bearer <INTERNAL_TOKEN>`; without that
 * variable the internal routes answer 503.
 */
export const InternalTokenGuard = BearerTokenGuard.for({ token: 'INTERNAL_TOKEN', audience: 'internal' });

/** A controller of a service's internal API, which only the other services call: behind the internal token. */
export function InternalController(path: string): ClassDecorator {
  return applyDecorators(Controller(path), UseGuards(InternalTokenGuard));
}
