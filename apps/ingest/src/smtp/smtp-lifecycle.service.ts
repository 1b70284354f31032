import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AccountsView, LOGGER, ReadinessRegistry } from '@pushmail/platform';
import type { Logger } from 'pino';
import { SmtpListener } from './smtp-listener.js';

/**
 * Opens the SMTP port only once every account is known, so no valid recipient is ever refused
 * as unknown while the view is still catching up. The HTTP side is up meanwhile and reports
 * not-ready.
 */
@Injectable()
export class SmtpLifecycleService implements OnApplicationBootstrap, OnModuleDestroy {
  /** Settles once SMTP listens, or fails to; main stops the process on failure. */
  readonly serving: Promise<void>;
  private resolveServing!: () => void;
  private rejectServing!: (error: Error) => void;
  private stopping = false;
  private signalStop!: () => void;
  private readonly stopRequested = new Promise<void>((resolve) => {
    this.signalStop = resolve;
  });

  constructor(
    @Inject(SmtpListener) private readonly listener: SmtpListener,
    @Inject(AccountsView) private readonly accounts: AccountsView,
    @Inject(ReadinessRegistry) private readonly readiness: ReadinessRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.serving = new Promise<void>((resolve, reject) => {
      this.resolveServing = resolve;
      this.rejectServing = reject;
    });
    // Callers that never look at `serving` must not see an unhandled rejection.
    this.serving.catch(() => undefined);
  }

  onApplicationBootstrap(): void {
    this.readiness.register('smtp', () => this.listener.isListening);
    void this.startOnceAccountsKnown();
  }

  // Before beforeApplicationShutdown, where the producer and the view close: the messages still
  // in DATA need both.
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.signalStop();
    await this.listener.stop();
  }

  private async startOnceAccountsKnown(): Promise<void> {
    try {
      await Promise.race([this.accounts.caughtUp, this.stopRequested]);
      if (this.stopping) return;
      await this.listener.start();
      this.resolveServing();
    } catch (error) {
      this.logger.fatal({ err: error }, 'SMTP could not start');
      this.rejectServing(error as Error);
    }
  }
}
