import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';

/**
 * Keeps a claimed delivery's lease running while its attempt lasts: every third of the lease it is
 * pushed one lease further, so the lease can be short (a dead replica's deliveries come back soon)
 * without a slow attempt being claimed a second time. `stop` ends the renewals at once and resolves
 * when a renewal in flight is done; a renewal never touches a delivery whose outcome is recorded (its
 * `claimed_until` is cleared then), so the outcome need not wait for it.
 */
export class LeaseRenewal {
  private readonly timer: NodeJS.Timeout;
  private inFlight: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly deliveryId: string,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(
      () => {
        this.inFlight = this.renew();
      },
      Math.max(100, Math.floor(leaseMs / 3)),
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.inFlight;
  }

  private async renew(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.dataSource.query(
        `UPDATE outbound.deliveries
            SET claimed_until = now() + make_interval(secs => $2::double precision / 1000),
                next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
          WHERE id = $1 AND claimed_until IS NOT NULL AND status IN ('queued', 'deferred')`,
        [this.deliveryId, this.leaseMs],
      );
    } catch (error) {
      // The next renewal tries again; if none gets through, the lease ends and another replica takes over.
      this.logger.warn({ err: error, deliveryId: this.deliveryId }, 'renewing a delivery lease failed');
    }
  }
}
