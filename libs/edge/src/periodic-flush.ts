import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { PeriodicTask } from '@pushmail/platform';
import type { Logger } from 'pino';

/**
 * A provider that sends what it collected every `intervalMs` (never, for 0) and once more at
 * shutdown, one send at a time: a slow peer never piles up concurrent sends, and a caller of
 * `flush` during a send joins it.
 */
export abstract class PeriodicFlush implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly task: PeriodicTask;

  protected constructor(
    private readonly intervalMs: number,
    protected readonly log: Logger,
  ) {
    this.task = new PeriodicTask(
      intervalMs,
      () => this.send(),
      (error) => this.log.warn({ err: error }, 'sending failed; will retry'),
    );
  }

  /** Sends what was collected since the last send. */
  protected abstract send(): Promise<void>;

  onApplicationBootstrap(): void {
    if (this.intervalMs > 0) this.task.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
    await this.flush();
  }

  flush(): Promise<void> {
    return this.task.runNow();
  }
}
