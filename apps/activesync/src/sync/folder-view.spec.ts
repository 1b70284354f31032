import { describe, expect, it } from 'vitest';
import type { ActiveSyncConfig } from '../config/activesync-config.js';
import type { MailStore } from '../mailbox/mail-store.js';
import { allowedStanding } from '../testing/device-standing.js';
import { FolderView, hierarchyOutOfDate, QUARANTINE_NOTICE_ID } from './folder-view.js';

const quarantined = () => ({ ...allowedStanding(), access: 'quarantined' as const });

describe(FolderView.name, () => {
  const view = new FolderView(
    {
      contents: () => Promise.reject(new Error('a quarantined view reads no mail')),
    } as unknown as MailStore,
    { SYNC_MAX_ITEMS_PER_FOLDER: 100 } as ActiveSyncConfig,
  );
  const request = {
    accountId: 'acc',
    address: 'alice@example.com',
    standing: quarantined(),
    collectionId: 'inbox',
    inboxId: 'inbox',
  };

  it('shows a quarantined device the notice with the flags it gave it, so a Sync never sets them back', async () => {
    const fresh = await view.contents(request);
    expect([...fresh.items]).toEqual([[QUARANTINE_NOTICE_ID, { read: false, flagged: false }]]);
    const marked = await view.contents(request, {
      [QUARANTINE_NOTICE_ID]: { read: true, flagged: true },
      other: { read: true, flagged: false },
    });
    expect([...marked.items]).toEqual([[QUARANTINE_NOTICE_ID, { read: true, flagged: true }]]);
    const elsewhere = await view.contents({ ...request, collectionId: 'sent' }, {});
    expect(elsewhere.items.size).toBe(0);
  });
});

describe(`${FolderView.name} followsChanges`, () => {
  const view = new FolderView({} as MailStore, { SYNC_MAX_ITEMS_PER_FOLDER: 100 } as ActiveSyncConfig);
  const request = (filterType?: number, standing = allowedStanding()) => ({
    accountId: 'acc',
    address: 'alice@example.com',
    standing,
    collectionId: 'inbox',
    ...(filterType === undefined ? {} : { filterType }),
  });
  const dated = { m1: { read: false, flagged: false, receivedAt: '2026-12-01T00:00:00Z' } };
  const undated = { ...dated, m0: { read: true, flagged: false } };

  it('follows the changes within a window no wider than the one held, every held message dated', () => {
    expect(view.followsChanges(request(3), { items: dated, windowDays: 7 })).toBe(true);
    expect(view.followsChanges(request(2), { items: dated, windowDays: 7 })).toBe(true);
    expect(view.followsChanges(request(3), { items: {}, windowDays: 0 })).toBe(true);
    expect(view.followsChanges(request(), { items: undated, windowDays: 0 })).toBe(true);
  });

  it('lists a window over a message held without its receivedAt, a wider window, or an unknown one', () => {
    expect(view.followsChanges(request(3), { items: undated, windowDays: 7 })).toBe(false);
    expect(view.followsChanges(request(4), { items: dated, windowDays: 7 })).toBe(false);
    expect(view.followsChanges(request(), { items: dated, windowDays: 7 })).toBe(false);
    expect(view.followsChanges(request(3), { items: dated, windowDays: null })).toBe(false);
    expect(view.followsChanges(request(), { items: dated, windowDays: null })).toBe(false);
  });

  it('lists the quarantine view, whatever is held', () => {
    expect(view.followsChanges(request(undefined, quarantined()), { items: {}, windowDays: 0 })).toBe(false);
  });
});

describe(hierarchyOutOfDate.name, () => {
  it('is out of date when the device holds the view of the other standing, quarantined or allowed', () => {
    expect(hierarchyOutOfDate({ quarantined: true }, allowedStanding())).toBe(true);
    expect(hierarchyOutOfDate({ quarantined: false }, quarantined())).toBe(true);
    expect(hierarchyOutOfDate({ quarantined: true }, quarantined())).toBe(false);
    expect(hierarchyOutOfDate({ quarantined: false }, allowedStanding())).toBe(false);
  });
});
