import { z } from 'zod';

export const accountId = z.uuid();
export const isoTimestamp = z.iso.datetime({ offset: true });
export const emailAddress = z
  .string()
  .min(3)
  .max(320)
  .regex(/^[^\s@]+@[^\s@]+$/, 'must be an address of the form local@domain');

/** A device id as a device registers it and as the admin APIs take it in their paths. */
export const deviceIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'may contain only letters, digits and . _ : -')
  .describe('The device id the device registered with (or the one derived for a standard client).');
