import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import webpush from 'web-push';
import { guardedLookup, pushUrlProblem, type EndpointPolicy } from './push-endpoint-url.js';

export interface VapidKeys {
  subject: string;
  publicKey: string;
  privateKey: string;
}

export interface PushTarget {
  url: string;
  keys: { p256dh: string; auth: string } | null;
}

/** What the push service answered: `gone` (404/410) means forget the subscription. */
export type PushOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'gone'; status: number }
  | { kind: 'failed'; status?: number; reason: string; retryAfterMs?: number };

const RESPONSE_BYTES_KEPT = 4096;

/**
 * Sends one push message (RFC 8030): the payload encrypted for the subscription's keys (RFC 8291,
 * aes128gcm) when it has keys, with a VAPID authorisation (RFC 8292) signed by the server's key. The
 * connection goes only to an address `guardedLookup` allows, whatever the URL's name resolves to.
 */
export class WebPushSender {
  constructor(
    private readonly vapid: VapidKeys,
    private readonly policy: EndpointPolicy,
    private readonly timeoutMs: number,
  ) {}

  async send(target: PushTarget, payload: string, ttlSeconds: number): Promise<PushOutcome> {
    const problem = pushUrlProblem(target.url, this.policy);
    if (problem) return { kind: 'failed', reason: problem };
    const options = {
      vapidDetails: this.vapid,
      TTL: ttlSeconds,
      contentEncoding: 'aes128gcm' as const,
      urgency: 'normal' as const,
    };
    const subscription = {
      endpoint: target.url,
      keys: target.keys ?? { p256dh: '', auth: '' },
    };
    let headers: Record<string, string | number>;
    let body: Buffer;
    if (target.keys) {
      const details = webpush.generateRequestDetails(subscription, payload, options);
      headers = details.headers as Record<string, string | number>;
      body = details.body;
    } else {
      // No keys given (RFC 8620 §7.2): the JSON goes as it is.
      const details = webpush.generateRequestDetails(subscription, null, options);
      body = Buffer.from(payload, 'utf8');
      headers = {
        ...(details.headers as Record<string, string | number>),
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': body.length,
      };
    }
    return this.post(target.url, headers, body);
  }

  private post(url: string, headers: Record<string, string | number>, body: Buffer): Promise<PushOutcome> {
    const parsed = new URL(url);
    const request = parsed.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const outgoing = request(
        parsed,
        {
          method: 'POST',
          headers,
          lookup: guardedLookup(this.policy),
          timeout: this.timeoutMs,
          // A push service never redirects; nothing here follows one either.
        },
        (response) => {
          let kept = 0;
          response.on('data', (chunk: Buffer) => {
            kept += chunk.length;
            if (kept > RESPONSE_BYTES_KEPT) response.destroy();
          });
          response.on('error', () => undefined);
          const status = response.statusCode ?? 0;
          response.on('close', () => {
            if (status >= 200 && status < 300) resolve({ kind: 'delivered', status });
            else if (status === 404 || status === 410) resolve({ kind: 'gone', status });
            else {
              const retryAfter = Number(response.headers['retry-after']);
              resolve({
                kind: 'failed',
                status,
                reason: `the push service answered HTTP ${status}`,
                ...(Number.isFinite(retryAfter) && retryAfter >= 0
                  ? { retryAfterMs: Math.min(retryAfter, 3600) * 1000 }
                  : {}),
              });
            }
          });
          response.resume();
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      outgoing.on('error', (error) => resolve({ kind: 'failed', reason: error.message }));
      outgoing.end(body);
    });
  }
}
