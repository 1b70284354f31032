import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';

/**
 * A chore a service repeats every `intervalMs` while it runs (pruning, sweeping): one run at a
 * time (a tick while a run is in progress is skipped), a failed run is reported to `onFailure` and
 * tried again at the next tick, and the timer never keeps the process alive. `stop` waits for a
 * run in progress, so a module can stop its task before its connections close.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /** Between start and stop: only then does a nudge run it. */
  private active = false;

  constructor(
    private readonly intervalMs: number,
    private readonly run: () => Promise<void>,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  /** Starts the ticks; with `runNow`, the first run starts at once instead of after one interval. */
  start({ runNow = false }: { runNow?: boolean } = {}): void {
    this.active = true;
    if (runNow) this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.active = false;
    this.again = false;
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs now, or joins the run in progress; resolves when that run has finished. */
  runNow(): Promise<void> {
    this.tick();
    return this.running ?? Promise.resolve();
  }

  /**
   * New work is there: runs now, or, when a run is in progress (which may have looked before the
   * work came), once more as soon as it ends. Nudges during a run make one more run, not one each;
   * before `start` and after `stop`, a nudge does nothing.
   */
  nudge(): void {
    if (!this.active) return;
    if (this.running) this.again = true;
    else this.tick();
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.run()
      .catch(this.onFailure)
      .finally(() => {
        this.running = undefined;
        if (this.again && this.active) {
          this.again = false;
          this.tick();
        }
      });
  }
}

/** How a service's chore runs and what it says about it. */
export interface ChoreOptions {
  intervalMs: number;
  /** The first run starts at bootstrap instead of after one interval. */
  runAtStart?: boolean;
  /** The log field for what a run did, e.g. `pruned`. */
  counted: string;
  /** Logged (with the count) after a run that did something. */
  done: string;
  /** Logged (with the error) after a failed run, which is tried again at the next tick. */
  failed: string;
}

/**
 * A provider that repeats a chore while the service runs: its PeriodicTask starts once the
 * application has bootstrapped and stops, waiting for a run in progress, before the module's
 * connections close. A run answers how much it did; a count above zero is logged.
 */
export abstract class PeriodicChore implements OnApplicationBootstrap, OnModuleDestroy {
  protected abstract readonly logger: Logger;
  private readonly task: PeriodicTask;

  constructor(private readonly chore: ChoreOptions) {
    this.task = new PeriodicTask(
      chore.intervalMs,
      async () => {
        const count = await this.runChore();
        if (count > 0) this.logger.info({ [chore.counted]: count }, chore.done);
      },
      (error) => this.logger.warn({ err: error }, chore.failed),
    );
  }

  /** One run of the chore; answers how much it did. */
  protected abstract runChore(): Promise<number>;

  onApplicationBootstrap(): void {
    this.task.start({ runNow: this.chore.runAtStart ?? false });
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }
}
