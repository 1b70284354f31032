import { Inject, Injectable } from '@nestjs/common';
import {
  ActiveSyncCommandError,
  buildSettingsResponse,
  child,
  el,
  readSettingsRequest,
  type OofSettings,
  type WbxmlElement,
} from '@pushmail/activesync';
import { DataSource, type Repository } from 'typeorm';
import { OutOfOfficeSetting } from './out-of-office.entity.js';

/** Settings statuses for Oof ([MS-ASCMD] 2.2.3.177.14). */
const OofStatus = { Success: 1, ProtocolError: 2, InvalidArguments: 5 } as const;

/** One message per audience: internal, known external, unknown external. */
const MAX_MESSAGES = 3;

/** Why settings cannot be stored as given; undefined when they can. */
export function invalidOof(settings: OofSettings): string | undefined {
  if (settings.messages.length > MAX_MESSAGES) return 'at most one message per audience';
  if (new Set(settings.messages.map((message) => message.audience)).size !== settings.messages.length)
    return 'two messages for the same audience';
  if (settings.state === 2) {
    const start = Date.parse(settings.startTime ?? '');
    const end = Date.parse(settings.endTime ?? '');
    if (!Number.isFinite(start) || !Number.isFinite(end))
      return 'a time-based reply needs StartTime and EndTime';
    if (start >= end) return 'StartTime must come before EndTime';
  }
  return undefined;
}

/**
 * Settings Oof: what a phone sets is stored for the account and returned to every phone of it. The
 * settings are kept, not acted on: pushmail sends no automatic replies yet (docs/activesync.md).
 */
@Injectable()
export class OutOfOffice {
  private readonly repo: Repository<OutOfOfficeSetting>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.repo = dataSource.getRepository(OutOfOfficeSetting);
  }

  /** The answer's Oof element for the request's Oof element. */
  async answer(accountId: string, oof: WbxmlElement, protocolVersion: string): Promise<WbxmlElement> {
    let request: ReturnType<typeof readSettingsRequest>['oof'];
    try {
      request = readSettingsRequest(el('Settings', 'Settings', oof)).oof;
    } catch (error) {
      if (error instanceof ActiveSyncCommandError)
        return reply({ status: OofStatus.ProtocolError }, protocolVersion);
      throw error;
    }
    if (!request) return reply({ status: OofStatus.ProtocolError }, protocolVersion);
    if ('get' in request) {
      const stored = await this.repo.findOneBy({ accountId });
      return reply(
        { status: OofStatus.Success, get: stored?.settings ?? { state: 0, messages: [] } },
        protocolVersion,
      );
    }
    const settings = request.set;
    if (invalidOof(settings)) return reply({ status: OofStatus.InvalidArguments }, protocolVersion);
    const stored = await this.repo.findOneBy({ accountId });
    // A Set that names no state keeps the one stored; the messages it sends replace theirs by audience.
    const messages = new Map((stored?.settings.messages ?? []).map((message) => [message.audience, message]));
    for (const message of settings.messages) messages.set(message.audience, message);
    const merged: OofSettings = {
      state: settings.state ?? stored?.settings.state ?? 0,
      messages: [...messages.values()],
    };
    if (merged.state === 2) {
      merged.startTime = settings.startTime ?? stored?.settings.startTime ?? '';
      merged.endTime = settings.endTime ?? stored?.settings.endTime ?? '';
      if (invalidOof(merged)) return reply({ status: OofStatus.InvalidArguments }, protocolVersion);
    }
    await this.repo.upsert({ accountId, settings: merged, updatedAt: new Date() }, ['accountId']);
    return reply({ status: OofStatus.Success }, protocolVersion);
  }
}

function reply(oof: { status: number; get?: OofSettings }, protocolVersion: string): WbxmlElement {
  return child(buildSettingsResponse({ status: 1, oof }, protocolVersion), 'Oof', 'Settings')!;
}
