import { describe, expect, it } from 'vitest';
import { parseEventSourceOptions } from './eventsource-options.js';

describe(parseEventSourceOptions.name, () => {
  it('reads types, closeafter and ping', () => {
    expect(parseEventSourceOptions({ types: 'Email,Mailbox', closeafter: 'state', ping: '30' })).toEqual({
      ok: true,
      options: { types: new Set(['Email', 'Mailbox']), closeAfterState: true, pingSeconds: 30 },
    });
    expect(parseEventSourceOptions({ types: '*', closeafter: 'no', ping: '0' })).toEqual({
      ok: true,
      options: { types: null, closeAfterState: false, pingSeconds: 0 },
    });
    expect(parseEventSourceOptions({})).toMatchObject({ ok: true, options: { types: null, pingSeconds: 0 } });
  });

  it('takes every type a StateChange can name, those announced after v1 included', () => {
    expect(parseEventSourceOptions({ types: 'VacationResponse,Identity,EmailSubmission' })).toMatchObject({
      ok: true,
      options: { types: new Set(['VacationResponse', 'Identity', 'EmailSubmission']) },
    });
  });

  it('keeps the ping interval within bounds', () => {
    expect(parseEventSourceOptions({ ping: '100000' })).toMatchObject({
      ok: true,
      options: { pingSeconds: 300 },
    });
  });

  it('refuses values it cannot honour', () => {
    expect(parseEventSourceOptions({ closeafter: 'later' }).ok).toBe(false);
    expect(parseEventSourceOptions({ ping: '-1' }).ok).toBe(false);
    expect(parseEventSourceOptions({ types: 'Email,Calendar' }).ok).toBe(false);
  });
});
