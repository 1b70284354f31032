import { childText } from '@pushmail/activesync';
import { describe, expect, it } from 'vitest';
import { ageFilterOf, provisionDocument } from './provision-document.js';

describe(provisionDocument.name, () => {
  it('carries the PIN, idle lock, wipe threshold and attachment limit of the policy', () => {
    const doc = provisionDocument({
      pinRequired: true,
      minPinLength: 6,
      lockAfterIdleSeconds: 300,
      wipeAfterFailedUnlocks: 10,
      syncWindowDays: 14,
      maxAttachmentBytes: 1_000_000,
    });
    expect(childText(doc, 'DevicePasswordEnabled')).toBe('1');
    expect(childText(doc, 'MinDevicePasswordLength')).toBe('6');
    expect(childText(doc, 'MaxInactivityTimeDeviceLock')).toBe('300');
    expect(childText(doc, 'MaxDevicePasswordFailedAttempts')).toBe('10');
    expect(childText(doc, 'MaxAttachmentSize')).toBe('1000000');
    expect(childText(doc, 'MaxEmailAgeFilter')).toBe('4');
  });

  it('asks nothing of a device when the account has no policy', () => {
    const doc = provisionDocument(null);
    expect(childText(doc, 'DevicePasswordEnabled')).toBe('0');
    expect(childText(doc, 'MinDevicePasswordLength')).toBeUndefined();
    expect(childText(doc, 'MaxEmailAgeFilter')).toBe('0');
  });
});

describe(ageFilterOf.name, () => {
  it('takes the widest filter within the window, and all mail beyond a month', () => {
    expect([1, 2, 3, 7, 10, 14, 31, 90].map(ageFilterOf)).toEqual([1, 1, 2, 3, 3, 4, 5, 0]);
    expect(ageFilterOf(null)).toBe(0);
  });
});
