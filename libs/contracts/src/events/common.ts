import { z } from 'zod';

export const accountId = z.uuid();
export const isoTimestamp = z.iso.datetime({ offset: true });
export const emailAddress = z
  .string()
  .min(3)
  .max(320)
  .regex(/^[^\s@]+@[^\s@]+$/, 'must be an address of the form local@domain');
