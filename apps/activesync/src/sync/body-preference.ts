import { child, childText, children, type WbxmlElement } from '@pushmail/activesync';

/** AirSyncBase body types ([MS-ASAIRS] 2.2.2.22.1) this gateway serves: plain text, HTML, MIME. */
export const BodyType = { PlainText: 1, Html: 2, Mime: 4 } as const;

export interface BodyPreference {
  type: number;
  /** Bytes; undefined: the whole body. */
  truncationSize?: number;
  allOrNone: boolean;
}

/** The Options of a Sync collection or an ItemOperations Fetch / Search, as far as bodies go. */
export interface BodyOptions {
  preferences: BodyPreference[];
  /** MIMESupport 1 (S/MIME only) or 2 (always): MIME may be sent. */
  mimeSupport: number;
}

const MAX_TRUNCATION = 0xffffffff;

/** Reads BodyPreference elements (AirSyncBase) and MIMESupport (AirSync) from an Options element. */
export function bodyOptionsOf(options: WbxmlElement | undefined): BodyOptions {
  if (!options) return { preferences: [], mimeSupport: 0 };
  const preferences: BodyPreference[] = [];
  for (const preference of children(options, 'BodyPreference', 'AirSyncBase')) {
    const type = Number(childText(preference, 'Type', 'AirSyncBase'));
    if (!Number.isInteger(type)) continue;
    const size = Number(childText(preference, 'TruncationSize', 'AirSyncBase'));
    preferences.push({
      type,
      ...(Number.isInteger(size) && size >= 0 && size <= MAX_TRUNCATION ? { truncationSize: size } : {}),
      allOrNone: childText(preference, 'AllOrNone', 'AirSyncBase') === '1',
    });
  }
  const mime = Number(childText(options, 'MIMESupport', 'AirSync') ?? childText(options, 'MIMESupport'));
  return { preferences, mimeSupport: Number.isInteger(mime) ? mime : 0 };
}

/** Which of the device's preferences to serve: MIME when asked and allowed, else HTML, else plain text. */
export function chosenPreference(options: BodyOptions): BodyPreference {
  const of = (type: number) => options.preferences.find((preference) => preference.type === type);
  const mime = of(BodyType.Mime);
  if (mime && (options.mimeSupport === 2 || options.preferences.length === 1)) return mime;
  return of(BodyType.Html) ?? of(BodyType.PlainText) ?? { type: BodyType.PlainText, allOrNone: false };
}

/** Whether any option element was given (so an absent one keeps the defaults). */
export function hasOptions(collection: WbxmlElement): boolean {
  return child(collection, 'Options', 'AirSync') !== undefined;
}
