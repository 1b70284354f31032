/**
 * On the first SIGINT or SIGTERM: ends the progress line, says so, runs `cleanup` (stopping what the
 * run started) and exits with 130. A second signal while that runs is ignored.
 */
export function cleanUpOnInterrupt({ progress, log, runName, cleanup }) {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      progress.finishLine();
      log(`interrupted; stopping what the ${runName} started`);
      void cleanup().finally(() => process.exit(130));
    });
  }
}

/** Stops the platform a run started, then the infrastructure under it; a failure is logged, not thrown. */
export async function stopPlatform({ platform, infra, log }) {
  await platform?.stop().catch((error) => log(`stopping the platform failed: ${error.message}`));
  await infra?.stop().catch(() => undefined);
}
