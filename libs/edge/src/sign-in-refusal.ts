import type { RegistryRefusal } from './registry-client.js';

/** How an HTTP edge answers a password sign-in that device-registry refused. */
export interface RefusedSignIn {
  status: 400 | 401 | 403 | 429;
  detail: string;
  headers?: Record<string, string>;
}

/**
 * The registry's refusal as the device sees it: 401 with the edge's own `challenge`, 429 with the
 * registry's Retry-After (60 s when it gave none), 400 for a malformed request, 403 for the rest.
 */
export function refusedSignIn(refusal: RegistryRefusal, challenge: Record<string, string>): RefusedSignIn {
  if (refusal.status === 401) return { status: 401, detail: 'wrong address or password', headers: challenge };
  if (refusal.status === 429) {
    return {
      status: 429,
      detail: refusal.message,
      headers: { 'Retry-After': String(refusal.retryAfterSeconds ?? 60) },
    };
  }
  if (refusal.status === 400) return { status: 400, detail: refusal.message };
  return { status: 403, detail: refusal.message };
}
