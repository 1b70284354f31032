/**
 * Sends what a service collected every `intervalMs`, and once more when it stops. One flush at a
 * time: a slow peer must not pile up concurrent sends, and a caller of `flush` during one shares it.
 */
export class FlushTimer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly send: () => Promise<void>,
  ) {}

  /** Starts the ticks; the timer never keeps the process alive. */
  start(): void {
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops the ticks and sends what is left. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  flush(): Promise<void> {
    this.running ??= this.send().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}
