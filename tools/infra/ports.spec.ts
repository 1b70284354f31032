import net from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  brokerPorts,
  canListen,
  configuredListenRange,
  listenPortRanges,
  parsePortRange,
  pickListenPorts,
} from './ports.mjs';

const linux = { low: 32_768, high: 60_999 };

describe('pickListenPorts', () => {
  it('reads the kernel range and refuses text that is not two ports in order', () => {
    expect(parsePortRange('32768\t60999\n')).toEqual(linux);
    expect(parsePortRange('60999 32768')).toBeUndefined();
    expect(parsePortRange('garbage')).toBeUndefined();
  });

  it('leaves out the ephemeral range, on either side of it', () => {
    expect(listenPortRanges(linux)).toEqual([
      { low: 10_000, high: 32_767 },
      { low: 61_000, high: 65_535 },
    ]);
    expect(listenPortRanges(linux, { low: 25_000, high: 25_999 })).toEqual([{ low: 25_000, high: 25_999 }]);
    expect(listenPortRanges({ low: 1024, high: 65_535 })).toEqual([]);
  });

  it('never picks a port the kernel may give an outgoing connection, over many draws', async () => {
    const ephemeral = { low: 20_000, high: 60_000 };
    let seed = 1;
    const random = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    const ports = await pickListenPorts(400, {
      ephemeral,
      isFree: async () => true,
      random,
      attempts: 100_000,
    });
    expect(new Set(ports).size).toBe(400);
    for (const port of ports) {
      expect(port < ephemeral.low || port > ephemeral.high, String(port)).toBe(true);
      expect(port).toBeGreaterThanOrEqual(10_000);
    }
  });

  it('skips ports that are taken', async () => {
    const taken = new Set([25_000, 25_001]);
    const ports = await pickListenPorts(3, {
      within: { low: 25_000, high: 25_004 },
      ephemeral: linux,
      isFree: async (port) => !taken.has(port),
    });
    expect(ports.sort()).toEqual([25_002, 25_003, 25_004]);
  });

  it('never hands out a port twice in one process, though nothing listens on it yet', async () => {
    const within = { low: 25_100, high: 25_103 };
    const first = await pickListenPorts(2, { within, ephemeral: linux, isFree: async () => true });
    const second = await pickListenPorts(2, { within, ephemeral: linux, isFree: async () => true });
    expect(new Set([...first, ...second]).size).toBe(4);
    await expect(pickListenPorts(1, { within, ephemeral: linux, isFree: async () => true })).rejects.toThrow(
      /found only 0 of 1/,
    );
  });

  it('says so when there are not enough free ports outside the ephemeral range', async () => {
    await expect(
      pickListenPorts(2, { within: { low: 32_000, high: 33_000 }, ephemeral: { low: 32_000, high: 33_000 } }),
    ).rejects.toThrow(/outside the ephemeral range/);
    await expect(
      pickListenPorts(2, {
        within: { low: 25_000, high: 25_003 },
        ephemeral: linux,
        isFree: async () => false,
      }),
    ).rejects.toThrow(/found only 0 of 2/);
  });

  it('keeps to the range PUSHMAIL_LISTEN_PORTS names, and refuses a range it cannot read', async () => {
    expect(configuredListenRange(undefined)).toBeUndefined();
    expect(configuredListenRange('32000-32767')).toEqual({ low: 32_000, high: 32_767 });
    expect(() => configuredListenRange('32000')).toThrow(/PUSHMAIL_LISTEN_PORTS/);
    const previous = process.env['PUSHMAIL_LISTEN_PORTS'];
    process.env['PUSHMAIL_LISTEN_PORTS'] = '32100-32199';
    try {
      const ports = await pickListenPorts(5, { isFree: async () => true });
      for (const port of ports) {
        expect(port).toBeGreaterThanOrEqual(32_100);
        expect(port).toBeLessThanOrEqual(32_199);
      }
    } finally {
      if (previous === undefined) delete process.env['PUSHMAIL_LISTEN_PORTS'];
      else process.env['PUSHMAIL_LISTEN_PORTS'] = previous;
    }
  });

  it('gives a broker two distinct ports that are free to listen on now', async () => {
    const { port, controllerPort } = await brokerPorts();
    expect(port).not.toBe(controllerPort);
    expect(await canListen(port)).toBe(true);
    expect(await canListen(controllerPort)).toBe(true);
  });

  it('tells a port something listens on from a free one', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      expect(await canListen(port)).toBe(false);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
