import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * Ports for listeners that must come back on the same port after a restart (a broker and its
 * controller). A port from the kernel's ephemeral range would be handed to some process's outgoing
 * connection while the listener is down, and the restart would then fail with EADDRINUSE; a port
 * outside that range is only ever taken by a process that binds it on purpose.
 */

/** The lowest port picked: below it sit the well-known and commonly configured service ports. */
export const LOWEST_LISTEN_PORT = 10_000;

/** Linux's default, used when the running kernel's setting cannot be read. */
const LINUX_DEFAULT_EPHEMERAL = { low: 32_768, high: 60_999 };
/** The IANA dynamic range, which macOS and Windows use. */
const IANA_EPHEMERAL = { low: 49_152, high: 65_535 };

/**
 * Parses `/proc/sys/net/ipv4/ip_local_port_range` ("32768\t60999"); undefined when the text is not
 * two ports in order.
 * @param {string} text
 * @returns {{ low: number, high: number } | undefined}
 */
export function parsePortRange(text) {
  const match = /^\s*(\d{1,5})\s+(\d{1,5})\s*$/.exec(text);
  if (!match) return undefined;
  const low = Number(match[1]);
  const high = Number(match[2]);
  if (low < 1 || high > 65_535 || low > high) return undefined;
  return { low, high };
}

/** The range the kernel assigns outgoing connections' local ports from. */
export function ephemeralPortRange() {
  if (process.platform !== 'linux') return IANA_EPHEMERAL;
  try {
    return (
      parsePortRange(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')) ??
      LINUX_DEFAULT_EPHEMERAL
    );
  } catch {
    return LINUX_DEFAULT_EPHEMERAL;
  }
}

/**
 * The ports of `within` (default: from LOWEST_LISTEN_PORT up) the kernel never assigns to an
 * outgoing connection, as ranges.
 * @param {{ low: number, high: number }} ephemeral
 * @param {{ low: number, high: number }} within
 * @returns {Array<{ low: number, high: number }>}
 */
export function listenPortRanges(ephemeral, within = { low: LOWEST_LISTEN_PORT, high: 65_535 }) {
  const ranges = [];
  if (within.low < ephemeral.low)
    ranges.push({ low: within.low, high: Math.min(within.high, ephemeral.low - 1) });
  if (within.high > ephemeral.high)
    ranges.push({ low: Math.max(within.low, ephemeral.high + 1), high: within.high });
  return ranges.filter((range) => range.low <= range.high);
}

/**
 * Ports this process has handed out. A port picked is free only until its service binds it, so a
 * later pick (another `freePort()` before the platform starts, say) could hand it out again: two
 * services on one port, the second answering the first one's clients.
 */
const handedOut = new Set();

/**
 * Picks `count` distinct ports outside the ephemeral range, in random order so that parallel runs
 * rarely try the same one, each free to listen on at the time of the call and none handed out
 * before by this process.
 * @param {number} count
 * @param {{
 *   within?: { low: number, high: number },
 *   ephemeral?: { low: number, high: number },
 *   isFree?: (port: number) => Promise<boolean>,
 *   random?: () => number,
 *   attempts?: number,
 * }} [options]
 * @returns {Promise<number[]>}
 */
export async function pickListenPorts(count, options = {}) {
  const ephemeral = options.ephemeral ?? ephemeralPortRange();
  const ranges = listenPortRanges(ephemeral, options.within ?? configuredListenRange());
  const size = ranges.reduce((sum, range) => sum + range.high - range.low + 1, 0);
  if (size < count) {
    throw new Error(
      `no ${count} ports outside the ephemeral range ${ephemeral.low}-${ephemeral.high}` +
        (options.within ? ` within ${options.within.low}-${options.within.high}` : ''),
    );
  }
  const isFree = options.isFree ?? canListen;
  const random = options.random ?? Math.random;
  const attempts = options.attempts ?? Math.max(200, count * 50);
  const picked = [];
  const tried = new Set();
  for (let attempt = 0; picked.length < count && attempt < attempts && tried.size < size; attempt += 1) {
    const port = nth(ranges, Math.floor(random() * size));
    if (tried.has(port)) continue;
    tried.add(port);
    if (!handedOut.has(port) && (await isFree(port))) picked.push(port);
  }
  if (picked.length < count) {
    throw new Error(`found only ${picked.length} of ${count} free ports outside the ephemeral range`);
  }
  for (const port of picked) handedOut.add(port);
  return picked;
}

/**
 * `PUSHMAIL_LISTEN_PORTS` ("32000-32999"): where ports are picked when several runs share one
 * machine and each keeps to its own range; undefined (anywhere from LOWEST_LISTEN_PORT up) if unset.
 * @param {string | undefined} [text]
 * @returns {{ low: number, high: number } | undefined}
 */
export function configuredListenRange(text = process.env.PUSHMAIL_LISTEN_PORTS) {
  if (text === undefined || text.trim() === '') return undefined;
  const range = parsePortRange(text.replace('-', ' '));
  if (!range)
    throw new Error(`PUSHMAIL_LISTEN_PORTS must be "low-high" (for example 32000-32999), not "${text}"`);
  return range;
}

/** A broker's two ports (client and controller), to be kept across its restarts. */
export async function brokerPorts(options = {}) {
  const [port, controllerPort] = await pickListenPorts(2, options);
  return { port, controllerPort };
}

/** True when nothing listens on host:port and it may be bound now. */
export function canListen(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function nth(ranges, index) {
  let rest = index;
  for (const range of ranges) {
    const width = range.high - range.low + 1;
    if (rest < width) return range.low + rest;
    rest -= width;
  }
  throw new Error(`port index ${index} out of range`);
}
