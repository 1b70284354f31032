import { applyDecorators, Controller, UseGuards } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '../openapi/api-operation.js';
import { BearerTokenGuard } from './bearer-token.guard.js';

/** Admits a request carrying `Authorization: Bearer <ADMIN_TOKEN>`. */
export const AdminTokenGuard = BearerTokenGuard.for({ token: 'ADMIN_TOKEN', audience: 'admin' });

/** A controller of a service's admin API: behind the admin token, documented under one tag. */
export function AdminController(path: string, tag: string): ClassDecorator {
  return applyDecorators(
    Controller(path),
    UseGuards(AdminTokenGuard),
    ApiSecurity('adminToken'),
    ApiTags(tag),
  );
}
