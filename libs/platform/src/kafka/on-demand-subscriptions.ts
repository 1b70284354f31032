import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../config/config.module.js';

/** A subscription followed only while the service has a use for it (ADR 0107). */
export interface OnDemandSettings {
  /** What the service calls it by (`OnDemandSubscriptions.use`). */
  name: string;
  /** Its group is left once it has had no use and nothing kept it for this long; 0 follows it always. */
  idleAfterMs: number;
}

/** What `OnDemandSubscriptions` needs of a consumer (an `EventConsumer`). */
export interface PausableConsumer {
  readonly isPaused: boolean;
  pause(): Promise<boolean>;
  resumeAtEnd(): Promise<void>;
}

class Followed {
  consumer: PausableConsumer | undefined;
  idleAfterMs = 0;
  lastUsedAt = Date.now();
  readonly keptWhile: Array<() => boolean> = [];
  readonly pausedListeners: Array<() => void> = [];
  /** The pause under way, listeners included: a use waits for it before following again. */
  pausing: Promise<void> | undefined;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The subscriptions a service follows only while it has a use for them (ADR 0107): a consumer group
 * of each replica's own that reads a busy topic from its end, for requests that may come or not.
 * The ActiveSync gateway reads every mailbox change only to wake the Pings parked on it; a replica
 * no phone has used for some minutes would otherwise still fetch every event of every account.
 *
 * The service calls `use` before each use (the look a parked request takes before it waits), and
 * says what keeps the subscription in use (`keepWhile`: requests parked) and what to forget when it
 * pauses (`onPaused`: whatever it knew from the events, now no longer followed). A subscription left
 * for `idleAfterMs` leaves its group; the next `use` commits the group's position at the end of the
 * topic and resolves then, before the new member joins: a change published after the use is after
 * that position and is read once the member has joined.
 */
@Injectable()
export class OnDemandSubscriptions implements OnModuleDestroy {
  private readonly byName = new Map<string, Followed>();

  constructor(@Inject(LOGGER) private readonly log: Logger) {}

  /** From the transport, as it starts the subscription's consumer. */
  register(settings: OnDemandSettings, consumer: PausableConsumer): void {
    const followed = this.followed(settings.name);
    if (followed.consumer) throw new Error(`two subscriptions are followed on demand as ${settings.name}`);
    followed.consumer = consumer;
    followed.idleAfterMs = settings.idleAfterMs;
    followed.lastUsedAt = Date.now();
    if (settings.idleAfterMs <= 0) return;
    followed.timer = setInterval(
      () => void this.pauseIfIdle(settings.name, followed),
      Math.max(50, Math.min(30_000, settings.idleAfterMs / 4)),
    );
    followed.timer.unref();
  }

  /**
   * Marks a use now; when the subscription was left, follows it again and resolves once what is
   * published from now on will be read.
   */
  async use(name: string): Promise<void> {
    const followed = this.followed(name);
    followed.lastUsedAt = Date.now();
    await followed.pausing;
    if (followed.consumer?.isPaused) await followed.consumer.resumeAtEnd();
  }

  /** While any of these holds, the subscription is in use. */
  keepWhile(name: string, inUse: () => boolean): void {
    this.followed(name).keptWhile.push(inUse);
  }

  /** Called once the subscription has left its group, before any `use` follows it again. */
  onPaused(name: string, listener: () => void): void {
    this.followed(name).pausedListeners.push(listener);
  }

  isPaused(name: string): boolean {
    return this.byName.get(name)?.consumer?.isPaused ?? false;
  }

  onModuleDestroy(): void {
    for (const followed of this.byName.values()) clearInterval(followed.timer);
  }

  /** Leaves the group when nothing used or kept the subscription for `idleAfterMs`. */
  async pauseIfIdle(name: string, followed = this.followed(name)): Promise<void> {
    const { consumer } = followed;
    if (!consumer || consumer.isPaused || followed.pausing || followed.idleAfterMs <= 0) return;
    if (followed.keptWhile.some((inUse) => inUse())) {
      followed.lastUsedAt = Date.now();
      return;
    }
    const idleMs = Date.now() - followed.lastUsedAt;
    if (idleMs < followed.idleAfterMs) return;
    followed.pausing = (async () => {
      if (!(await consumer.pause())) return;
      this.log.info({ subscription: name, idleMs }, 'a subscription with no use left its group');
      for (const listener of followed.pausedListeners) listener();
    })()
      .catch((error: unknown) =>
        this.log.warn({ err: error, subscription: name }, 'pausing a subscription failed'),
      )
      .finally(() => {
        followed.pausing = undefined;
      });
    await followed.pausing;
  }

  private followed(name: string): Followed {
    let followed = this.byName.get(name);
    if (!followed) {
      followed = new Followed();
      this.byName.set(name, followed);
    }
    return followed;
  }
}
