const TOKEN_KEY = 'pushmail.adminToken';

export class Unauthorized extends Error {}

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** Calls device-registry's admin API as the signed-in administrator. */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  token = storedToken(),
): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${token ?? ''}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 401) throw new Unauthorized('the admin token was refused');
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const message = (parsed as { message?: string } | undefined)?.message ?? `HTTP ${response.status}`;
    throw new Error(message);
  }
  return parsed as T;
}

export type {
  AccessRule,
  Account,
  Device,
  Diagnosis,
  Finding,
  Hop,
  LiveCounters,
  Policy,
  QueuedDelivery,
  QueuePage,
  SelfTestReport,
  TrailRecord,
} from './admin-api.js';
