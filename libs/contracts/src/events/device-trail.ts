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
  /**
   * For `request`: the messages it sent (a JMAP EmailSubmission/set create, an ActiveSync SendMail,
   * SmartReply or SmartForward), one entry each: which message, to how many recipients, and what came
   * of it. Never the content, the subject or an address.
   */
  sends: z
    .array(
      z.object({
        /** The EmailSubmission id, when one was created. */
        submissionId: z.string().min(1).max(64).optional(),
        /** The email that was sent, when known. */
        emailId: z.string().min(1).max(64).optional(),
        /** Envelope recipients, when the submission got as far as its envelope. */
        recipients: z.int().min(0).max(100_000).optional(),
        /** `sent`: handed to outbound; `pending`: held (undo window or a chosen send time); `refused`. */
        outcome: z.enum(['sent', 'pending', 'refused']),
        /** For `refused`: the SetError type or the ActiveSync Status. */
        error: z.string().max(100).optional(),
      }),
    )
    .max(64)
    .optional(),
  /** For `authFailed`: the HTTP status answered and why. */
  auth: z.object({ status: z.int().min(100).max(599), reason: z.string().max(300) }).optional(),
  /**
   * How many like records this one stands for when the producer folded them (a device's pings,
   * pongs or pushes): every one is counted, the first at `firstAt` and the last at `at`.
   */
  count: z.int().positive().optional(),
  /** For a record with a `count`: when the first of them happened (`at` is the last). */
  firstAt: isoTimestamp.optional(),
  clientAddress: z.string().max(100).optional(),
  /**
   * From the ActiveSync gateway: the command, with a parked Ping's heartbeat (`ping` when parked,
   * `disconnected` when its connection closed before the answer, `request` when answered) or the
   * policy a Provision challenge asked for (`policyDecision`).
   */
  activesync: z
    .object({
      command: z.string().min(1).max(32),
      status: z.string().max(16).optional(),
      heartbeatSeconds: z.int().positive().optional(),
      policyId: z.uuid().optional(),
      policyVersion: z.int().min(0).optional(),
    })
    .optional(),
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
