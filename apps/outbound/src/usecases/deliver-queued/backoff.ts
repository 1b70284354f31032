/** When attempt `attempts + 1` is due after a temporary failure: doubling from `baseMs`, capped at `maxMs`. */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(baseMs * 2 ** exponent, maxMs);
}
