import { z } from 'zod';

export const trailQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});
export type TrailQuery = z.output<typeof trailQuerySchema>;

export const findingsQuerySchema = z.object({
  minimum: z.enum(['info', 'warning', 'error']).default('info'),
});
export type FindingsQuery = z.output<typeof findingsQuerySchema>;
