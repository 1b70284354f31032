import { z } from 'zod';
import { accountId, isoTimestamp } from './common.js';

export const deviceTrailKinds = [
  'connected',
  'disconnected',
  'ping',
  'pong',
  'pushSent',
  'request',
  'authFailed',
  'accessDecision',
  'policyDecision',
  'wipeStep',
] as const;
export type DeviceTrailKind = (typeof deviceTrailKinds)[number];

/** One thing that happened between a device and the platform, for diagnosis. */
export const deviceTrailRecordV1 = z.object({
  deviceId: z.string().min(1).max(128).nullable(),
  kind: z.enum(deviceTrailKinds),
  at: isoTimestamp,
  /** Short human-readable summary, e.g. `closed by the client: 1006`. */
  detail: z.string().max(500).optional(),
  /** For `disconnected`: the close code, its reason and which side closed. */
  close: z
    .object({
      code: z.int().min(0).max(4999),
      reason: z.string().max(200),
      /** Which side ended the connection: `network` when no close frame came (see `initiator`). */
      by: z.enum(['client', 'server', 'network']),
      /**
       * Who started the close, read before any cause is named: `clientCloseFrame` (the client sent a
       * close frame first), `server` (push-delivery closed it: access ended, restart, too slow, over
       * the connection cap, or a protocol error of the client), `silentCut` (no close frame either
       * way: the TCP connection ended or went quiet under the socket, cut by the network or dropped
       * by the client without closing). Absent in records written before it existed.
       */
      initiator: z.enum(['clientCloseFrame', 'server', 'silentCut']).optional(),
      /** How long nothing had passed either way on the socket when it ended. */
      idleMs: z.int().min(0).optional(),
      lifetimeMs: z.int().min(0),
      /** The ping interval in force, so a reader can tell a cut before the first ping. */
      pingIntervalMs: z.int().positive().optional(),
    })
    .optional(),
  /** For `request`: the JMAP method names, whether it succeeded and how long it took. */
  request: z
    .object({
      methods: z.array(z.string().max(100)).max(64),
      ok: z.boolean(),
      durationMs: z.int().min(0),
      error: z.string().max(200).optional(),
    })
    .optional(),
  /** For `authFailed`: the HTTP status answered and why. */
  auth: z.object({ status: z.int().min(100).max(599), reason: z.string().max(300) }).optional(),
  /** How many like records this one stands for when the producer sampled (pings, pushes). */
  count: z.int().positive().optional(),
  clientAddress: z.string().max(100).optional(),
});
export type DeviceTrailRecordV1 = z.infer<typeof deviceTrailRecordV1>;

/**
 * A batch of an account's diagnostic records from one push-delivery replica. Batched so that
 * recording never costs the push path a Kafka round trip per event.
 */
export const deviceTrailV1 = z.object({
  batchId: z.uuid(),
  accountId,
  source: z.string().min(1).max(200),
  records: z.array(deviceTrailRecordV1).min(1).max(500),
});
export type DeviceTrailV1 = z.infer<typeof deviceTrailV1>;
