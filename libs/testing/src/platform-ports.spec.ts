import { describe, expect, it } from 'vitest';
import { choosePorts, freePort } from './platform-harness.js';

describe(choosePorts.name, () => {
  it('picks distinct ports outside the ephemeral range, which no outgoing connection can take meanwhile', async () => {
    const ephemeral = (await import('@pushmail/infra')).ephemeralPortRange();
    const ports = Object.values(await choosePorts());
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of [...ports, await freePort()]) {
      expect(port >= ephemeral.low && port <= ephemeral.high).toBe(false);
      expect(port).toBeGreaterThanOrEqual(10_000);
    }
  });

  it('keeps the ports it is given and picks the others', async () => {
    const ports = await choosePorts({ smtp: 2525, mailbox: 8082 });
    expect(ports.smtp).toBe(2525);
    expect(ports.mailbox).toBe(8082);
    expect(Object.values(ports).filter((port) => port === 2525 || port === 8082)).toHaveLength(2);
  });
});
