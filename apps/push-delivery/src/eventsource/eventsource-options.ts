import { pushedTypeNames } from '@pushmail/contracts';

export interface EventSourceOptions {
  /** null: every type. */
  types: ReadonlySet<string> | null;
  closeAfterState: boolean;
  /** 0: no pings. */
  pingSeconds: number;
}

/** Pings more often than this would only load the server; less often, proxies time connections out. */
export const MIN_PING_SECONDS = 1;
export const MAX_PING_SECONDS = 300;

export type OptionsResult = { ok: true; options: EventSourceOptions } | { ok: false; detail: string };

/** Reads the query of the eventSourceUrl (RFC 8620 §7.3): types, closeafter and ping. */
export function parseEventSourceOptions(query: Record<string, unknown>): OptionsResult {
  const types = single(query['types']) ?? '*';
  const closeafter = single(query['closeafter']) ?? 'no';
  const ping = single(query['ping']) ?? '0';
  if (closeafter !== 'state' && closeafter !== 'no')
    return { ok: false, detail: '"closeafter" must be "state" or "no"' };
  if (!/^\d{1,9}$/.test(ping)) return { ok: false, detail: '"ping" must be a whole number of seconds' };
  let typeSet: Set<string> | null = null;
  if (types !== '*') {
    typeSet = new Set(
      types
        .split(',')
        .map((type) => type.trim())
        .filter((type) => type.length > 0),
    );
    const unknown = [...typeSet].filter((type) => !(pushedTypeNames as readonly string[]).includes(type));
    if (unknown.length > 0)
      return { ok: false, detail: `unknown types: ${unknown.join(', ').slice(0, 200)}` };
  }
  const seconds = Number(ping);
  return {
    ok: true,
    options: {
      types: typeSet,
      closeAfterState: closeafter === 'state',
      pingSeconds: seconds === 0 ? 0 : Math.min(MAX_PING_SECONDS, Math.max(MIN_PING_SECONDS, seconds)),
    },
  };
}

function single(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}
