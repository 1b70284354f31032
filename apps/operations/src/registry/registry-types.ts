import type { AdminApiComponents } from '@pushmail/contracts/admin-api';
import { z } from 'zod';

/**
 * The parts of device-registry's admin API that operations reads, in the types generated from its
 * OpenAPI document (apps/device-registry/openapi.json).
 * Path parameters are checked here as device-registry checks them, so a bad one is refused before
 * the registry is asked.
 */
export const accountIdParamSchema = z.uuid().describe('The account id.');
export { deviceIdSchema } from '@pushmail/contracts';

type Schemas = AdminApiComponents['schemas'];

/** An account as `GET /admin/accounts/{accountId}` answers it. */
export type AccountSummary = Schemas['Account'];

/** A device as `GET /admin/accounts/{accountId}/devices/{deviceId}` answers it. */
export type DeviceSummary = Schemas['Device'];

/** A page of `GET /admin/devices`. */
export type DevicePage = Schemas['DevicePage'];
