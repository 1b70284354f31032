import type { DeviceCredentialsV1 } from '@pushmail/contracts';
import { DeviceCredentialIndex, sha256Hex, type TokenVerdict } from '@pushmail/edge';
import { credentialsSnapshot } from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import {
  authenticateBearer,
  authenticateBearerCheckingMisses,
  type TokenConfirmation,
} from './device-authenticator.js';
import { revocationReason } from './revocation-reason.js';

const accountId = '3d1d3c5e-8f0b-4c39-9b7e-2a7d4c1e9f00';
const phoneToken = 'pmd_phone-token-0000000000000000000000000000';
const laptopToken = 'pmd_laptop-token-000000000000000000000000000';
const newPhoneToken = 'pmd_phone-token-rotated-00000000000000000000';

/** The account with an allowed phone and a blocked laptop, one token each, but for `overrides`. */
const snapshot = (overrides: Partial<DeviceCredentialsV1> = {}) =>
  credentialsSnapshot(
    accountId,
    [
      { deviceId: 'phone', tokenSha256: [sha256Hex(phoneToken)] },
      { deviceId: 'laptop', tokenSha256: [sha256Hex(laptopToken)], access: 'blocked' },
    ],
    overrides,
  );

function lookupOver(index: DeviceCredentialIndex, isCaughtUp = true) {
  return { isCaughtUp, lookup: (digest: string) => index.lookup(digest) };
}

describe(authenticateBearer.name, () => {
  it('authenticates an allowed device by the SHA-256 of its token', () => {
    const index = new DeviceCredentialIndex();
    index.replaceAccount(accountId, snapshot());
    expect(authenticateBearer(`Bearer ${phoneToken}`, lookupOver(index))).toEqual({
      ok: true,
      device: { accountId, deviceId: 'phone', tokenSha256: sha256Hex(phoneToken) },
    });
  });

  it('answers 401 for a missing, malformed or unknown token', () => {
    const index = new DeviceCredentialIndex();
    index.replaceAccount(accountId, snapshot());
    for (const header of [
      undefined,
      '',
      'Basic dXNlcjpwYXNz',
      'Bearer',
      `Bearer ${'x'.repeat(600)}`,
      'Bearer pmd_unknown',
    ]) {
      const outcome = authenticateBearer(header, lookupOver(index));
      expect(outcome.ok ? 200 : outcome.status, String(header)).toBe(401);
    }
  });

  it('answers 403 for a blocked device and lets a quarantined one in', () => {
    const index = new DeviceCredentialIndex();
    index.replaceAccount(
      accountId,
      snapshot({
        devices: [
          { deviceId: 'laptop', tokenSha256: [sha256Hex(laptopToken)], access: 'blocked' },
          { deviceId: 'phone', tokenSha256: [sha256Hex(phoneToken)], access: 'quarantined' },
        ],
      }),
    );
    const blocked = authenticateBearer(`Bearer ${laptopToken}`, lookupOver(index));
    const quarantined = authenticateBearer(`bearer ${phoneToken}`, lookupOver(index));
    expect(blocked).toEqual({ ok: false, status: 403, detail: 'device blocked by administrator' });
    expect(quarantined).toEqual({
      ok: true,
      device: { accountId, deviceId: 'phone', tokenSha256: sha256Hex(phoneToken) },
    });
  });

  it('answers 503 rather than 401 while credentials are still loading', () => {
    const outcome = authenticateBearer(
      `Bearer ${phoneToken}`,
      lookupOver(new DeviceCredentialIndex(), false),
    );
    expect(outcome.ok ? 200 : outcome.status).toBe(503);
  });
});

describe(authenticateBearerCheckingMisses.name, () => {
  const freshToken = 'pmd_fresh-token-00000000000000000000000000000';

  /** A registry whose verdict runs `meanwhile` first (the index catching up, a revocation arriving). */
  function registry(verdict: TokenVerdict, meanwhile: () => void = () => undefined) {
    const asked: string[] = [];
    const confirmation: TokenConfirmation = {
      confirm: (tokenSha256) => {
        asked.push(tokenSha256);
        meanwhile();
        return Promise.resolve(verdict);
      },
    };
    return { asked, confirmation };
  }

  it('does not ask device-registry about a token the index holds, nor about a malformed one', async () => {
    const index = new DeviceCredentialIndex();
    index.replaceAccount(accountId, snapshot());
    const { asked, confirmation } = registry({ kind: 'unknown' });
    const known = await authenticateBearerCheckingMisses(
      `Bearer ${phoneToken}`,
      lookupOver(index),
      confirmation,
    );
    expect(known.ok).toBe(true);
    const malformed = await authenticateBearerCheckingMisses('Bearer', lookupOver(index), confirmation);
    expect(malformed.ok ? 200 : malformed.status).toBe(401);
    expect(asked).toEqual([]);
  });

  it('lets in a token device-registry confirmed once the index has caught up with it', async () => {
    const index = new DeviceCredentialIndex();
    index.replaceAccount(accountId, snapshot());
    const { asked, confirmation } = registry({ kind: 'indexed' }, () =>
      index.replaceAccount(
        accountId,
        snapshot({
          revision: 2,
          devices: [{ deviceId: 'tablet', tokenSha256: [sha256Hex(freshToken)], access: 'allowed' }],
        }),
      ),
    );
    expect(
      await authenticateBearerCheckingMisses(`Bearer ${freshToken}`, lookupOver(index), confirmation),
    ).toEqual({
      ok: true,
      device: { accountId, deviceId: 'tablet', tokenSha256: sha256Hex(freshToken) },
    });
    expect(asked).toEqual([sha256Hex(freshToken)]);
  });

  it('refuses a confirmed token that the caught-up index no longer holds: it was revoked meanwhile', async () => {
    const index = new DeviceCredentialIndex();
    index.replaceAccount(accountId, snapshot());
    const { confirmation } = registry({ kind: 'indexed' }, () =>
      index.replaceAccount(accountId, snapshot({ revision: 3 })),
    );
    expect(
      await authenticateBearerCheckingMisses(`Bearer ${freshToken}`, lookupOver(index), confirmation),
    ).toEqual({
      ok: false,
      status: 401,
      detail: 'unknown or revoked device token',
    });
  });

  it('refuses with 403 a confirmed token whose device the caught-up index shows blocked', async () => {
    const index = new DeviceCredentialIndex();
    const { confirmation } = registry({ kind: 'indexed' }, () =>
      index.replaceAccount(
        accountId,
        snapshot({
          devices: [{ deviceId: 'tablet', tokenSha256: [sha256Hex(freshToken)], access: 'blocked' }],
        }),
      ),
    );
    const outcome = await authenticateBearerCheckingMisses(
      `Bearer ${freshToken}`,
      lookupOver(index),
      confirmation,
    );
    expect(outcome.ok ? 200 : outcome.status).toBe(403);
  });

  it('answers 401 to a token device-registry does not know or revoked', async () => {
    const { confirmation } = registry({ kind: 'unknown' });
    expect(
      await authenticateBearerCheckingMisses(
        `Bearer ${freshToken}`,
        lookupOver(new DeviceCredentialIndex()),
        confirmation,
      ),
    ).toEqual({ ok: false, status: 401, detail: 'unknown or revoked device token' });
  });

  it('answers 503 with Retry-After, not 401, when nobody can tell yet', async () => {
    const { confirmation } = registry({
      kind: 'unavailable',
      reason: 'registry',
      detail: 'device-registry timed out',
      retryAfterSeconds: 5,
    });
    expect(
      await authenticateBearerCheckingMisses(
        `Bearer ${freshToken}`,
        lookupOver(new DeviceCredentialIndex()),
        confirmation,
      ),
    ).toEqual({
      ok: false,
      status: 503,
      detail: 'device-registry timed out',
      headers: { 'Retry-After': '5' },
    });
  });
});

describe(revocationReason.name, () => {
  const phone = { deviceId: 'phone', tokenSha256: sha256Hex(phoneToken) };

  it('lets a still-allowed device stay', () => {
    expect(revocationReason(snapshot(), phone)).toBeUndefined();
  });

  it('names why a device has to go', () => {
    const blocked = snapshot({
      devices: [{ deviceId: 'phone', tokenSha256: [phone.tokenSha256], access: 'blocked' }],
    });
    const rotated = snapshot({
      devices: [{ deviceId: 'phone', tokenSha256: [sha256Hex(newPhoneToken)], access: 'allowed' }],
    });
    expect(revocationReason(blocked, phone)).toBe('device blocked by administrator');
    expect(revocationReason(rotated, phone)).toMatch(/token revoked/);
    expect(revocationReason(snapshot({ devices: [] }), phone)).toMatch(/removed/);
    expect(revocationReason(snapshot({ accountStatus: 'disabled' }), phone)).toMatch(/disabled/);
    expect(revocationReason(undefined, phone)).toMatch(/deleted/);
  });

  it('lets a quarantined device stay, and names the rule that blocked one', () => {
    const quarantined = snapshot({
      devices: [{ deviceId: 'phone', tokenSha256: [phone.tokenSha256], access: 'quarantined' }],
    });
    const blocked = snapshot({
      devices: [
        {
          deviceId: 'phone',
          tokenSha256: [phone.tokenSha256],
          access: 'blocked',
          accessRule: 'organisation default: blocked',
        },
      ],
    });
    expect(revocationReason(quarantined, phone)).toBeUndefined();
    expect(revocationReason(blocked, phone)).toBe(
      'device blocked by administrator (organisation default: blocked)',
    );
  });

  it('ends the socket of a wiped device, and keeps a password-signed-in device whose tokens change', () => {
    const wiped = snapshot({
      devices: [{ deviceId: 'phone', tokenSha256: [], access: 'allowed', status: 'wiped' }],
    });
    expect(revocationReason(wiped, phone)).toMatch(/wiped/);
    const rotated = snapshot({
      devices: [{ deviceId: 'phone', tokenSha256: [sha256Hex(newPhoneToken)], access: 'allowed' }],
    });
    expect(revocationReason(rotated, { deviceId: 'phone' })).toBeUndefined();
  });
});
