// How busy the machine's cores are, from /proc/stat: the condition the latency targets are stated under.

/**
 * The machine's CPU ticks from the first line of /proc/stat (all cores together): `busy` is every
 * tick spent running something (user, nice, system, irq, softirq, steal), `total` those and the idle
 * and iowait ticks. Guest time is already counted in user time.
 */
export function machineTicksOf(statText) {
  const line = statText.split('\n').find((row) => row.startsWith('cpu '));
  if (!line) return null;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map((field) => Number(field) || 0);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** How busy all the machine's cores were between two readings of machineTicksOf, in percent. */
export function busyPercentBetween(before, after) {
  if (!before || !after) return null;
  const total = after.total - before.total;
  return total > 0 ? Math.round(((after.busy - before.busy) / total) * 1000) / 10 : null;
}
