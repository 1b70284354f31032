import { SERVICE_NAMES } from '@pushmail/testing';
import { describe, expect, it } from 'vitest';
import { faultPlatformPerSuite, runUnderLoad, startExtraMailbox } from './support/fault-harness.js';

/** One platform, faults one after another; each scenario has accounts and devices of its own. */
describe('service crashes and restarts while mail flows and devices are connected', () => {
  const fault = faultPlatformPerSuite('service-crashes');

  it('loses and doubles nothing when mailbox is killed with SIGKILL mid-stream and restarted', async () => {
    const ledger = await runUnderLoad('mailbox-sigkill', fault(), async (load) => {
      await fault().platform.restart('mailbox', 'SIGKILL');
      await load.flowing(10);
    });
    expect(ledger.answered250).toBeGreaterThan(80);
  });

  it('devices reconnect with their pushState after push-delivery is killed, are told the current state and miss nothing', async () => {
    const ledger = await runUnderLoad('push-delivery-sigkill', fault(), async (load) => {
      await fault().platform.restart('push-delivery', 'SIGKILL');
      await load.flowing(10);
    });
    for (const device of ledger.devices) expect(device.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('loses and doubles nothing while a second mailbox joins, is killed and joins again (consumer-group rebalances)', async () => {
    await runUnderLoad('mailbox-rebalance', fault(), async (load) => {
      const second = await startExtraMailbox(fault());
      await load.flowing(30);
      await second.stop('SIGKILL');
      await load.flowing(30);
      const third = await startExtraMailbox(fault());
      await load.flowing(30);
      await third.stop('SIGTERM');
    });
  });

  it('loses and doubles nothing through a rolling restart of every service (SIGTERM, one at a time)', async () => {
    const ledger = await runUnderLoad('rolling-restart', fault(), async (load) => {
      for (const service of SERVICE_NAMES) {
        await fault().platform.restart(service, 'SIGTERM');
        await load.flowing(10);
      }
    });
    expect(ledger.answered250).toBeGreaterThan(80);
  });
});
