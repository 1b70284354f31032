/**
 * Polls `probe` until it stops throwing (an assertion passes) or the deadline passes, then rethrows
 * the last failure. Asynchronous effects are awaited this way, never with a fixed sleep.
 */
export async function expectEventually<T>(
  probe: () => T | Promise<T>,
  { timeoutMs = 20_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) throw lastError;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
