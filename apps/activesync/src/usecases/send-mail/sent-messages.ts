import { Inject, Injectable } from '@nestjs/common';
import { DataSource, LessThan, type Repository } from 'typeorm';
import { SentMessage } from './sent-message.entity.js';

/** How long a ClientId is remembered: far longer than any phone retries a lost answer. */
const REMEMBER_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The ClientIds a device sent under. A send claims its ClientId before it is submitted, so a second
 * request with the same one (a retry after a lost answer, or two at once) is told the message was
 * already sent (Status 118) instead of sending it twice; a send that certainly did not happen
 * releases its claim so that the phone may try again.
 */
@Injectable()
export class SentMessages {
  private readonly repo: Repository<SentMessage>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.repo = dataSource.getRepository(SentMessage);
  }

  /** False when the device already sent (or is sending) a message with this ClientId. */
  async claim(accountId: string, deviceId: string, clientId: string): Promise<boolean> {
    await this.repo.delete({ accountId, deviceId, sentAt: LessThan(new Date(Date.now() - REMEMBER_MS)) });
    const inserted: unknown[] = await this.repo.query(
      `INSERT INTO activesync.sent_messages (account_id, device_id, client_id) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING client_id`,
      [accountId, deviceId, clientId],
    );
    return inserted.length > 0;
  }

  async release(accountId: string, deviceId: string, clientId: string): Promise<void> {
    await this.repo.delete({ accountId, deviceId, clientId });
  }
}
