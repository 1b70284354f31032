import { isoTimestamp } from '@pushmail/contracts';
import { z } from 'zod';

export const metricSampleSchema = z.object({ name: z.string(), labels: z.string(), value: z.number() });
export type MetricSample = z.output<typeof metricSampleSchema>;

export const serviceCountersSchema = z.object({
  service: z.string(),
  ok: z.boolean(),
  error: z.string().optional(),
  samples: z.array(metricSampleSchema),
});
export type ServiceCounters = z.output<typeof serviceCountersSchema>;

export const liveCountersSchema = z.object({
  at: isoTimestamp,
  services: z.array(serviceCountersSchema),
});
