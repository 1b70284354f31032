import type { registerDeviceSchema } from '@pushmail/contracts';
import type { z } from 'zod';

// The registration shape is declared once, with device-registry's internal API, in the contracts.
export { deviceIdSchema, optionalText, registerDeviceSchema } from '@pushmail/contracts';

export type RegisterDeviceDto = z.output<typeof registerDeviceSchema>;
