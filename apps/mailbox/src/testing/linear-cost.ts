/**
 * How much more `run` costs on the input made at scale 10 than on the one made at scale 1: about 10
 * for a linear function, about 100 for a quadratic one. Made for a busy machine: the inputs are made
 * before any timing, each is run once to warm up, each measurement repeats the call until it has
 * taken `minMillis` (a single fast call is below the timer's noise), and the least of `rounds`
 * measurements is kept, since noise only ever adds time.
 */
export async function costRatio<T>(
  make: (scale: number) => T,
  run: (input: T) => unknown,
  { rounds = 7, minMillis = 25 }: { rounds?: number; minMillis?: number } = {},
): Promise<number> {
  const small = make(1);
  const large = make(10);
  const perCall = async (input: T): Promise<number> => {
    let calls = 0;
    const started = performance.now();
    let elapsed = 0;
    do {
      await run(input);
      calls += 1;
      elapsed = performance.now() - started;
    } while (elapsed < minMillis);
    return elapsed / calls;
  };
  await run(small);
  await run(large);
  let bestSmall = Number.POSITIVE_INFINITY;
  let bestLarge = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round += 1) {
    bestSmall = Math.min(bestSmall, await perCall(small));
    bestLarge = Math.min(bestLarge, await perCall(large));
  }
  return bestLarge / bestSmall;
}

/**
 * Linear is about 10 and quadratic about 100 (the subject and preview code this replaced measured
 * 90 to 135). Linear code measures up to about 30 on a loaded 2-core machine, where the larger input
 * also meets more garbage collection and colder caches: the bound leaves room for that.
 */
export const LINEAR_RATIO_BOUND = 40;
