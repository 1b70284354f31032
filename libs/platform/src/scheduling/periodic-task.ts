/**
 * A chore a service repeats every `intervalMs` while it runs (pruning, sweeping): one run at a
 * time (a tick while a run is in progress is skipped), a failed run is reported to `onFailure` and
 * tried again at the next tick, and the timer never keeps the process alive. `stop` waits for a
 * run in progress, so a module can stop its task before its connections close.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly run: () => Promise<void>,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  /** Starts the ticks; with `runNow`, the first run starts at once instead of after one interval. */
  start({ runNow = false }: { runNow?: boolean } = {}): void {
    if (runNow) this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.run()
      .catch(this.onFailure)
      .finally(() => {
        this.running = undefined;
      });
  }
}
