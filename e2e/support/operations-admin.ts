import { expect } from 'vitest';
import { expectEventually, type RunningPlatform } from '@pushmail/testing';

/** A finding and a device's diagnosis, as operations answers them. */
export interface Finding {
  code: string;
  severity: string;
  title: string;
  evidence: Record<string, unknown>;
  fix: string;
}
export interface Diagnosis {
  accountId: string;
  deviceId: string;
  status: string;
  findings: Finding[];
}

export type AdminCall = <T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: T }>;

/** Admin calls through operations, as the console makes them: diagnostics are its own, the rest goes on to the registry. */
export function operationsAdmin(platform: RunningPlatform): AdminCall {
  return async <T>(method: string, path: string, body?: unknown) => {
    const response = await fetch(`${platform.operationsUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${platform.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}

/** A device's diagnosis now. */
export async function findingsOf(admin: AdminCall, accountId: string, deviceId: string): Promise<Diagnosis> {
  const { status, body } = await admin<Diagnosis>(
    'GET',
    `/admin/accounts/${accountId}/devices/${deviceId}/findings`,
  );
  expect(status).toBe(200);
  return body;
}

/** The device's finding `code` once it is there and `until` holds for it (the trail arrives through Kafka). */
export function eventuallyFinding(
  admin: AdminCall,
  accountId: string,
  deviceId: string,
  code: string,
  until: (finding: Finding) => boolean = () => true,
): Promise<Finding> {
  return expectEventually(
    async () => {
      const { findings } = await findingsOf(admin, accountId, deviceId);
      const found = findings.find((finding) => finding.code === code);
      expect(
        found,
        `finding ${code} in ${JSON.stringify(findings.map((finding) => finding.code))}`,
      ).toBeDefined();
      // The trail arrives a moment after the registry's own state: wait for the evidence too.
      expect(until(found!), JSON.stringify(found)).toBe(true);
      return found!;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}
