import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually, freePort, jmapSenderOf, submitDraft } from '@pushmail/testing';
import { connectWhenKnown, useSuitePlatform } from './support/e2e-platform.js';

const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const screenshots = 'test-artifacts/console';

describe('the operations console', () => {
  let browser: Browser;
  let page: Page;
  const run = randomUUID().slice(0, 8);
  const quarantineModel = `console-q-${run}`;
  let blockedAccount: { accountId: string; address: string };
  let quarantined: { accountId: string; deviceId: string; address: string };
  let toWipe: { accountId: string; deviceId: string; address: string; token: string };
  // Nothing listens at this domain's route: its mail waits in the outbound queue, deferred.
  const unreachable = `unreachable-${run}.example`;
  const [toKeep, toDrop] = [`keep@${unreachable}`, `drop@${unreachable}`];

  const suite = useSuitePlatform('console', async () => {
    const [push, mailbox, smtp, closed] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    return {
      mailDomains: ['example.com'],
      ports: { push, mailbox, smtp },
      serviceEnv: {
        operations: {
          CONSOLE_METRICS_URLS: `push-delivery=http://127.0.0.1:${push},mailbox=http://127.0.0.1:${mailbox}`,
          SELFTEST_SMTP_PORT: String(smtp),
          SELFTEST_JMAP_WS_URL: `ws://127.0.0.1:${push}/jmap/ws`,
        },
        outbound: {
          MX_OVERRIDES: `${unreachable}=127.0.0.1:${closed}`,
          RETRY_BASE_MS: String(60 * 60 * 1000),
          QUEUE_POLL_MS: '200',
        },
      },
    };
  });

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });

    const admin = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${suite.platform.registryUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${suite.platform.adminToken}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      expect(response.status, `${method} ${path}`).toBeLessThan(300);
      return (await response.json()) as Record<string, unknown>;
    };
    await admin('POST', '/admin/access/rules', {
      matchField: 'model',
      pattern: quarantineModel,
      access: 'quarantined',
    });

    const account = async (name: string) => {
      const address = `${name}-${run}@example.com`;
      const password = `pw-${randomUUID()}`;
      const created = await suite.registry.createAccount(address, password);
      return { ...created, address, password };
    };
    const blocked = await account('blocked');
    blockedAccount = blocked;
    const blockedDevice = await suite.registry.registerDevice(blocked.address, blocked.password, {
      deviceId: 'old-tablet',
    });
    await admin('PUT', `/admin/accounts/${blocked.accountId}/devices/${blockedDevice.deviceId}/access`, {
      access: 'blocked',
    });

    const waiting = await account('waiting');
    const device = await suite.registry.registerDevice(waiting.address, waiting.password, {
      deviceId: 'new-phone',
      model: quarantineModel,
    });
    quarantined = { accountId: waiting.accountId, deviceId: device.deviceId, address: waiting.address };

    const lost = await account('lost');
    const lostDevice = await suite.registry.registerDevice(lost.address, lost.password, {
      deviceId: 'lost-phone',
    });
    toWipe = {
      accountId: lost.accountId,
      deviceId: lostDevice.deviceId,
      address: lost.address,
      token: lostDevice.token,
    };

    const sender = await account('sender');
    const senderDevice = await suite.registry.registerDevice(sender.address, sender.password, {
      deviceId: 'sending-phone',
    });
    const client = await connectWhenKnown(suite.platform, senderDevice.token);
    await submitDraft(await jmapSenderOf(client, sender), {
      to: [toKeep, toDrop],
      subject: 'Waits in the queue',
      text: 'Its route is closed.',
    });
    client.close();

    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
  });

  /** The deliveries waiting to go out, through operations as the console reads them. */
  async function waitingTo(recipient: string) {
    const response = await fetch(`${suite.platform.operationsUrl}/admin/queue?limit=500`, {
      headers: { authorization: `Bearer ${suite.platform.adminToken}` },
    });
    const page = (await response.json()) as {
      deliveries: Array<{ recipient: string; status: string; attempts: number; cancelRequested: boolean }>;
    };
    return page.deliveries.find((delivery) => delivery.recipient === recipient);
  }

  async function api(path: string): Promise<Record<string, unknown>> {
    const response = await fetch(`${suite.platform.registryUrl}${path}`, {
      headers: { authorization: `Bearer ${suite.platform.adminToken}` },
    });
    return (await response.json()) as Record<string, unknown>;
  }

  it('asks for the admin token, refuses a wrong one and signs in with the right one', async () => {
    await page.goto(`${suite.platform.operationsUrl}/console/`);
    const tokenField = page.getByLabel('Admin token');
    await tokenField.fill('not-the-admin-token-at-all-000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('refused');
    await page.screenshot({ path: `${screenshots}/01-login-refused.png` });

    await tokenField.fill(suite.platform.adminToken);
    await tokenField.press('Enter');
    await page.getByRole('navigation', { name: 'Sections' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('pushmail.adminToken'))).toBe(
      suite.platform.adminToken,
    );
    await page.getByRole('heading', { name: 'Accounts' }).waitFor();
    await page.screenshot({ path: `${screenshots}/02-accounts.png` });
  });

  it('lists the devices with a finding, with the rule that blocked one', async () => {
    await page.getByRole('button', { name: 'Findings' }).click();
    const row = page.getByRole('row').filter({ hasText: blockedAccount.address });
    await row.waitFor();
    expect(await row.textContent()).toContain('Blocked by');
    await row.getByText('Blocked by').click();
    await expect.poll(() => row.textContent()).toContain('Fix:');
    await page.screenshot({ path: `${screenshots}/03-findings.png`, fullPage: true });
  });

  it('approves a quarantined device from the queue', async () => {
    await page.getByRole('button', { name: 'Quarantine' }).click();
    await page.getByRole('button', { name: `Allow ${quarantined.deviceId}` }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('is now allowed');
    await page.screenshot({ path: `${screenshots}/04-quarantine-approved.png` });
    await expectEventually(async () => {
      const device = await api(`/admin/accounts/${quarantined.accountId}/devices/${quarantined.deviceId}`);
      expect(device['access']).toBe('allowed');
    });
  });

  it('requests a wipe only after the confirmation dialog, and shows the device timeline', async () => {
    await page.getByRole('button', { name: 'Accounts and devices' }).click();
    await page.getByRole('button', { name: `Show devices of ${toWipe.address}` }).click();
    await page.getByRole('button', { name: `Timeline of ${toWipe.deviceId}` }).click();
    await page.getByRole('heading', { name: `Timeline of ${toWipe.deviceId}` }).waitFor();

    await page.getByRole('button', { name: `Wipe ${toWipe.deviceId}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await page.screenshot({ path: `${screenshots}/05-wipe-dialog.png` });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(
      (await api(`/admin/accounts/${toWipe.accountId}/devices/${toWipe.deviceId}`))['pendingWipe'],
    ).toBeNull();

    await page.getByRole('button', { name: `Wipe ${toWipe.deviceId}` }).click();
    await page.getByLabel('The whole device (factory reset)').check();
    await page.getByRole('button', { name: 'Confirm wipe' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('full wipe');
    await page.screenshot({ path: `${screenshots}/06-wipe-requested.png`, fullPage: true });
    const device = await api(`/admin/accounts/${toWipe.accountId}/devices/${toWipe.deviceId}`);
    expect(device['pendingWipe']).toMatchObject({ kind: 'full', requestedBy: 'console' });
  });

  it('runs the self-test and shows every hop with its time', async () => {
    const other = await suite.registry.createAccount(`selftest-${run}@example.com`, 'pw-selftest-console');
    const device = await suite.registry.registerDevice(other.address, 'pw-selftest-console', {
      deviceId: 'selftest-phone',
    });
    await page.getByRole('button', { name: 'Self-test' }).click();
    await page.getByLabel('Account id').fill(other.accountId);
    await page.getByLabel('Device token').fill(device.token);
    await page.getByRole('button', { name: 'Run self-test' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Every hop answered|Stopped at/ })
      .waitFor({ timeout: 40_000 });
    await page.screenshot({ path: `${screenshots}/07-selftest.png`, fullPage: true });
    for (const hop of ['websocket', 'smtp', 'kafka', 'store', 'push', 'fetch']) {
      await page.getByRole('cell', { name: hop, exact: true }).waitFor();
    }
  }, 60_000);

  it('shows live counters read from the services', async () => {
    await page.getByRole('button', { name: 'Live counters' }).click();
    await page.getByRole('heading', { name: 'push-delivery' }).waitFor();
    await page.getByRole('heading', { name: 'mailbox' }).waitFor();
    await page.screenshot({ path: `${screenshots}/08-live.png`, fullPage: true });
  });

  it('lists the outbound queue, retries one delivery and drops another', async () => {
    await expectEventually(
      async () => {
        for (const recipient of [toKeep, toDrop])
          expect(await waitingTo(recipient)).toMatchObject({ status: 'deferred', attempts: 1 });
      },
      { timeoutMs: 60_000 },
    );
    await page.getByRole('button', { name: 'Outbound queue' }).click();
    const row = page.getByRole('row').filter({ hasText: toDrop });
    await row.waitFor();
    expect(await row.textContent()).toContain('deferred');
    await page.screenshot({ path: `${screenshots}/09-outbound-queue.png`, fullPage: true });

    await page.getByRole('button', { name: `Drop ${toDrop}` }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('bounces at the next pass');
    await expectEventually(async () => expect(await waitingTo(toDrop)).toBeUndefined(), {
      timeoutMs: 30_000,
    });

    await page.getByRole('button', { name: `Retry ${toKeep}` }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('tried at the next pass');
    await expectEventually(
      async () => expect(await waitingTo(toKeep)).toMatchObject({ status: 'deferred', attempts: 2 }),
      { timeoutMs: 30_000 },
    );
  }, 120_000);
});
