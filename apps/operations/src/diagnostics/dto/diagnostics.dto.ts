import { deviceTrailRecordV1, isoTimestamp } from '@pushmail/contracts';
import { z } from 'zod';

export const trailQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(5000).default(500).describe('At most this many.'),
});
export type TrailQuery = z.output<typeof trailQuerySchema>;

export const findingsQuerySchema = z.object({
  minimum: z
    .enum(['info', 'warning', 'error'])
    .default('info')
    .describe('Leave out findings below this severity.'),
});
export type FindingsQuery = z.output<typeof findingsQuerySchema>;

export const trailRecordSchema = deviceTrailRecordV1
  .extend({
    id: z.string(),
    accountId: z.uuid(),
    source: z.string(),
    decision: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('For registry decisions: access, policy or wipe.'),
  })
  .meta({
    id: 'TrailRecord',
    description:
      'One event of a device: socket, ping, push, request, failed authentication, or a registry decision.',
  });

export const trailSchema = z.object({
  accountId: z.string(),
  deviceId: z.string(),
  records: z.array(trailRecordSchema),
});

export const findingSchema = z
  .object({
    code: z.enum([
      'idleConnectionCut',
      'reconnectStorm',
      'abusiveReconnects',
      'policyNotAcknowledged',
      'quarantined',
      'blocked',
      'partnershipLimitReached',
      'authFailures',
      'pushesNotFetched',
      'stalePartnership',
      'wipePending',
      'provisioningLoop',
      'pingsNotReturning',
    ]),
    severity: z.enum(['info', 'warning', 'error']),
    title: z.string(),
    // The facts from the trail or the registry that show it.
    evidence: z.record(z.string(), z.unknown()),
    fix: z.string(),
  })
  .meta({ id: 'Finding' });

export const deviceDiagnosisSchema = z
  .object({
    accountId: z.uuid(),
    deviceId: z.string(),
    address: z.string(),
    status: z.enum(['ok', 'info', 'warning', 'error']),
    lastSyncAt: isoTimestamp.nullable(),
    findings: z.array(findingSchema),
  })
  .meta({ id: 'DeviceDiagnosis' });

export const accountFindingsSchema = z.object({
  accountId: z.string(),
  devices: z.array(deviceDiagnosisSchema),
});

export const orgFindingsSchema = z.object({
  devices: z.array(deviceDiagnosisSchema),
  // Devices looked at, with or without a finding.
  examined: z.int(),
});
export type OrgFindings = z.output<typeof orgFindingsSchema>;
