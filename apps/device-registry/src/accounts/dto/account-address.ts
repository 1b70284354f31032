import { emailAddress } from '@pushmail/contracts';
import { z } from 'zod';

/** Addresses are compared case-insensitively everywhere, so they are stored lower-cased. */
export const accountAddress = z.string().trim().toLowerCase().pipe(emailAddress);
