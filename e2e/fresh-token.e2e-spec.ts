import { DeviceClient, scrapeMetrics, UpgradeRefusedError } from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import { bearer, deviceManagementSuite } from './support/device-management.js';

/** Connects once, with no retry: what a phone does the moment it has its token. */
async function connectAtOnce(url: string, token: string): Promise<DeviceClient | number> {
  try {
    return await DeviceClient.connect(url, token);
  } catch (error) {
    if (error instanceof UpgradeRefusedError) return error.status;
    throw error;
  }
}

/**
 * Against the running services. Under this suite's light load push-delivery's index usually holds a
 * new token before the phone's upgrade arrives; `apps/push-delivery/src/auth/device-token-check.int-spec.ts`
 * holds the snapshot back to make the race certain.
 */
describe('a device token the moment device-registry issued it', () => {
  const dm = deviceManagementSuite('fresh-token');

  it('upgrades a phone that connects straight after registering, instead of refusing its first attempt', async () => {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const { address, password } = await dm.newAccount();
      const token = await dm.registeredToken(address, password, `fresh-${attempt}`);
      const socket = await connectAtOnce(dm.platform.websocketUrl, token);
      expect(socket, `attempt ${attempt}: the upgrade answered HTTP ${String(socket)}`).toBeInstanceOf(
        DeviceClient,
      );
      const client = socket as DeviceClient;
      dm.sockets.push(client);
      expect(await client.request([['Core/echo', { attempt }, 'e']])).toEqual([
        ['Core/echo', { attempt }, 'e'],
      ]);
      expect(client.closeInfo).toBeUndefined();
    }
  });

  it('refuses a revoked token at once, lets its replacement in at once, and cuts the socket the revoked one opened', async () => {
    const { address, password } = await dm.newAccount();
    const first = await dm.registeredToken(address, password, 'rotating-phone');
    const opened = await connectAtOnce(dm.platform.websocketUrl, first);
    expect(opened).toBeInstanceOf(DeviceClient);
    const client = opened as DeviceClient;
    dm.sockets.push(client);

    const rotated = await fetch(`${dm.pushUrl}/jmap/device/token`, {
      method: 'POST',
      headers: bearer(first),
    });
    expect(rotated.status).toBe(200);
    const { token: second } = (await rotated.json()) as { token: string };

    expect(await dm.refusedUpgrade(bearer(first))).toMatchObject({ status: 401 });
    const replacement = await connectAtOnce(dm.platform.websocketUrl, second);
    expect(replacement).toBeInstanceOf(DeviceClient);
    dm.sockets.push(replacement as DeviceClient);
    expect((await client.waitForClose(10_000)).code).toBe(4003);
  });

  it('refuses a token of a device removed before it ever connected, asking device-registry once the index lacks it', async () => {
    const refusedByRegistry = async () =>
      (await scrapeMetrics(dm.pushUrl)).value('pushmail_push_token_checks_total', { verdict: 'unknown' }) ??
      0;
    const before = await refusedByRegistry();
    const { accountId, address, password } = await dm.newAccount();
    const token = await dm.registeredToken(address, password, 'removed-phone');
    expect((await dm.admin('DELETE', `/admin/accounts/${accountId}/devices/removed-phone`)).status).toBe(204);
    const outcome = await connectAtOnce(dm.platform.websocketUrl, token);
    if (outcome instanceof DeviceClient) {
      // The index may still hold the registration without the removal: then the removal, arriving,
      // closes the socket, as for any device.
      dm.sockets.push(outcome);
      expect((await outcome.waitForClose(10_000)).code).toBe(4003);
    } else {
      expect(outcome).toBe(401);
    }
    expect(await dm.refusedUpgrade(bearer(token))).toMatchObject({ status: 401 });
    // The index no longer holds the token by now, so device-registry's own database refused it.
    expect(await refusedByRegistry()).toBeGreaterThan(before);
  });
});
