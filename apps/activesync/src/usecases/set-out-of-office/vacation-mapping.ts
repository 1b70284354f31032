import type { OofMessage, OofSettings } from '@pushmail/activesync';
import type { VacationResponseValue } from '@pushmail/jmap';

/** EAS has a message per audience; mailbox answers every sender alike, with the first enabled here. */
const AUDIENCE_ORDER: ReadonlyArray<OofMessage['audience']> = [
  'internal',
  'externalKnown',
  'externalUnknown',
];

/** The message automatic replies carry: the first enabled one with text, by AUDIENCE_ORDER. */
export function replyMessageOf(settings: OofSettings): OofMessage | undefined {
  for (const audience of AUDIENCE_ORDER) {
    const message = settings.messages.find((candidate) => candidate.audience === audience);
    if (message?.enabled && message.replyMessage) return message;
  }
  return undefined;
}

const isHtml = (message: OofMessage) => message.bodyType?.toLowerCase() === 'html';

/**
 * The VacationResponse that sends what Oof settings say: on while Oof is on (global or within its
 * window) and a message is enabled; the message as text or HTML, as its BodyType says.
 */
export function vacationOf(settings: OofSettings): VacationResponseValue {
  const message = replyMessageOf(settings);
  const state = settings.state ?? 0;
  const timed = state === 2;
  return {
    isEnabled: state !== 0 && message !== undefined,
    fromDate: timed && settings.startTime ? utcDate(settings.startTime) : null,
    toDate: timed && settings.endTime ? utcDate(settings.endTime) : null,
    subject: null,
    textBody: message && !isHtml(message) ? message.replyMessage! : null,
    htmlBody: message && isHtml(message) ? message.replyMessage! : null,
  };
}

/**
 * The Oof settings a phone is shown for the account's VacationResponse, whoever set it. The messages
 * a phone set are shown as it set them while they still say what the VacationResponse sends;
 * otherwise (changed over JMAP) its message applies to every audience.
 */
export function oofOf(vacation: VacationResponseValue, stored: OofSettings | undefined): OofSettings {
  const timed = vacation.fromDate !== null || vacation.toDate !== null;
  const settings: OofSettings = {
    state: vacation.isEnabled ? (timed ? 2 : 1) : 0,
    messages: [],
  };
  if (vacation.isEnabled && timed) {
    // A window open on one side is shown up to the limits of what EAS can say.
    settings.startTime = easTime(vacation.fromDate ?? '1970-01-01T00:00:00Z');
    settings.endTime = easTime(vacation.toDate ?? '9999-12-31T23:59:59Z');
  }
  const wanted = vacation.htmlBody ?? vacation.textBody;
  if (stored && sameMessage(vacationOf({ ...stored, state: 1 }), vacation)) {
    settings.messages = stored.messages;
  } else if (wanted !== null) {
    settings.messages = AUDIENCE_ORDER.map((audience) => ({
      audience,
      enabled: true,
      replyMessage: wanted,
      bodyType: vacation.htmlBody !== null ? 'HTML' : 'Text',
    }));
  }
  return settings;
}

function sameMessage(a: VacationResponseValue, b: VacationResponseValue): boolean {
  return a.textBody === b.textBody && a.htmlBody === b.htmlBody;
}

/** EAS's time (with milliseconds) as a UTCDate (RFC 8620 §1.4: no fraction when it is zero). */
function utcDate(easValue: string): string {
  return new Date(easValue).toISOString().replace('.000Z', 'Z');
}

function easTime(utc: string): string {
  return new Date(utc).toISOString();
}
