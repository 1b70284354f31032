import { Inject, Injectable } from '@nestjs/common';
import {
  ActiveSyncCommandError,
  buildSettingsResponse,
  child,
  el,
  readSettingsRequest,
  SETTINGS_STATUS,
  type OofSettings,
  type WbxmlElement,
} from '@pushmail/activesync';
import { VACATION_RESPONSE_ID, type VacationResponseValue } from '@pushmail/jmap';
import { DataSource, type Repository } from 'typeorm';
import { MAILBOX_API, type MailboxApi, MethodFailedError } from '../../mailbox/mailbox-client.js';
import { OutOfOfficeSetting } from './out-of-office.entity.js';
import { oofOf, vacationOf } from './vacation-mapping.js';

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
 * Settings Oof, kept as the account's VacationResponse in mailbox: one setting for both protocols,
 * so a phone's out-of-office sends the automatic replies (mailbox answers arriving mail with it) and
 * a JMAP client sees and changes the same setting. The per-audience layout a phone set is kept here
 * to show it back as it was set, while it still says what the VacationResponse sends.
 */
@Injectable()
export class OutOfOffice {
  private readonly repo: Repository<OutOfOfficeSetting>;

  constructor(
    @Inject(DataSource) dataSource: DataSource,
    @Inject(MAILBOX_API) private readonly mailbox: MailboxApi,
  ) {
    this.repo = dataSource.getRepository(OutOfOfficeSetting);
  }

  /** The answer's Oof element for the request's Oof element. */
  async answer(accountId: string, oof: WbxmlElement, protocolVersion: string): Promise<WbxmlElement> {
    let request: ReturnType<typeof readSettingsRequest>['oof'];
    try {
      request = readSettingsRequest(el('Settings', 'Settings', oof)).oof;
    } catch (error) {
      if (error instanceof ActiveSyncCommandError)
        return oofReply({ status: SETTINGS_STATUS.ProtocolError }, protocolVersion);
      throw error;
    }
    if (!request) return oofReply({ status: SETTINGS_STATUS.ProtocolError }, protocolVersion);
    const stored = await this.repo.findOneBy({ accountId });
    const current = oofOf(await this.vacation(accountId), stored?.settings);
    if ('get' in request) return oofReply({ status: SETTINGS_STATUS.Success, get: current }, protocolVersion);
    const settings = request.set;
    if (invalidOof(settings)) return oofReply({ status: SETTINGS_STATUS.InvalidArguments }, protocolVersion);
    // A Set that names no state keeps the current one; the messages it sends replace theirs by audience.
    const messages = new Map(current.messages.map((message) => [message.audience, message]));
    for (const message of settings.messages) messages.set(message.audience, message);
    const merged: OofSettings = {
      state: settings.state ?? current.state ?? 0,
      messages: [...messages.values()],
    };
    if (merged.state === 2) {
      merged.startTime = settings.startTime ?? current.startTime ?? '';
      merged.endTime = settings.endTime ?? current.endTime ?? '';
      if (invalidOof(merged)) return oofReply({ status: SETTINGS_STATUS.InvalidArguments }, protocolVersion);
    }
    if (!(await this.setVacation(accountId, vacationOf(merged))))
      return oofReply({ status: SETTINGS_STATUS.InvalidArguments }, protocolVersion);
    await this.repo.upsert({ accountId, settings: merged, updatedAt: new Date() }, ['accountId']);
    return oofReply({ status: SETTINGS_STATUS.Success }, protocolVersion);
  }

  private async vacation(accountId: string): Promise<VacationResponseValue> {
    const [[name, result]] = (await this.mailbox.call(accountId, [
      ['VacationResponse/get', { accountId, ids: [VACATION_RESPONSE_ID] }, 'v'],
    ])) as [[string, Record<string, unknown>, string]];
    if (name !== 'VacationResponse/get')
      throw new MethodFailedError('VacationResponse/get', String(result['type']));
    const [vacation] = (result['list'] ?? []) as VacationResponseValue[];
    if (!vacation) throw new MethodFailedError('VacationResponse/get', 'noSingleton');
    return vacation;
  }

  /** False when mailbox refuses the values (invalidProperties): the phone's arguments are at fault. */
  private async setVacation(accountId: string, vacation: VacationResponseValue): Promise<boolean> {
    const [[name, result]] = (await this.mailbox.call(accountId, [
      ['VacationResponse/set', { accountId, update: { [VACATION_RESPONSE_ID]: vacation } }, 'v'],
    ])) as [[string, Record<string, unknown>, string]];
    const refused = (result['notUpdated'] as Record<string, { type?: string }> | undefined)?.[
      VACATION_RESPONSE_ID
    ];
    if (name === 'VacationResponse/set' && refused?.type === 'invalidProperties') return false;
    if (name !== 'VacationResponse/set' || refused)
      throw new MethodFailedError('VacationResponse/set', String(refused?.type ?? result['type']));
    return true;
  }
}

/** The VacationResponse singleton's id (RFC 8621 §8). */

/** The answer's Oof element: its Status, and the settings a Get asked for. */
export function oofReply(oof: { status: number; get?: OofSettings }, protocolVersion: string): WbxmlElement {
  return child(buildSettingsResponse({ status: 1, oof }, protocolVersion), 'Oof', 'Settings')!;
}
