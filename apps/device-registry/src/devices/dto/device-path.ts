import { ZodValidationPipe } from '@pushmail/platform';
import { accountIdParamSchema } from '../../accounts/dto/list-accounts.dto.js';
import { deviceIdSchema } from './register-device.dto.js';

/** The path parameters of a route under `admin/accounts/:accountId/devices/:deviceId`, checked. */
export const accountIdPipe = new ZodValidationPipe(accountIdParamSchema, 'accountId');
export const deviceIdPipe = new ZodValidationPipe(deviceIdSchema, 'deviceId');
