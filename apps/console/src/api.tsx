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

export interface Account {
  accountId: string;
  address: string;
  status: string;
  deviceCount: number;
  lockedUntil: string | null;
}

export interface Device {
  accountId: string;
  address: string;
  deviceId: string;
  deviceType: string;
  model: string;
  access: 'allowed' | 'blocked' | 'quarantined';
  accessReason: string | null;
  status: 'active' | 'wiped';
  lastSyncAt: string | null;
  pendingWipe: { kind: string; requestedAt: string } | null;
}

export interface Finding {
  code: string;
  severity: 'info' | 'warning' | 'error';
  title: string;
  evidence: Record<string, unknown>;
  fix: string;
}

export interface Diagnosis {
  accountId: string;
  deviceId: string;
  address: string;
  status: 'ok' | 'info' | 'warning' | 'error';
  lastSyncAt: string | null;
  findings: Finding[];
}

export interface TrailRecord {
  id: string;
  kind: string;
  at: string;
  detail?: string;
  count?: number;
  close?: { code: number; reason: string; by: string; lifetimeMs: number };
  request?: { methods: string[]; ok: boolean; durationMs: number; error?: string };
  auth?: { status: number; reason: string };
}

export interface Hop {
  name: string;
  ok: boolean;
  ms: number | null;
  detail: string;
}

export interface SelfTestReport {
  ok: boolean;
  stoppedAt: string | null;
  diagnosis: string;
  hops: Hop[];
  totalMs: number;
}

export interface AccessRule {
  ruleId: string;
  matchField: string;
  pattern: string;
  access: string;
  description: string | null;
}

export interface Policy {
  policyId: string;
  name: string;
  version: number;
  isDefault: boolean;
  assignedAccounts: number;
  settings: Record<string, unknown>;
}

export interface LiveCounters {
  at: string;
  services: {
    service: string;
    ok: boolean;
    error?: string;
    samples: { name: string; labels: string; value: number }[];
  }[];
}
