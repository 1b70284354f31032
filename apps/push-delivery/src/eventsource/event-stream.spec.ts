import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventStream, type StreamWriter } from './event-stream.js';
import type { EventSourceOptions } from './eventsource-options.js';
import { LIMIT_ERROR } from '@pushmail/jmap';

const accountId = 'b0c1d2e3-f4a5-4b6c-8d7e-9f0a1b2c3d4e';

function stream(options: Partial<EventSourceOptions> = {}) {
  const chunks: string[] = [];
  let ended = false;
  const writer: StreamWriter = {
    write: (chunk) => chunks.push(chunk) > 0,
    end: () => {
      ended = true;
    },
    writableLength: 0,
  };
  const closed: EventStream[] = [];
  const eventStream = new EventStream(
    accountId,
    'phone',
    writer,
    { types: null, closeAfterState: false, pingSeconds: 0, ...options },
    (s) => closed.push(s),
  );
  const events = () =>
    chunks.map((chunk) => {
      const fields = Object.fromEntries(
        chunk
          .trim()
          .split('\n')
          .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
      );
      return {
        event: fields['event'],
        id: fields['id'],
        data: JSON.parse(fields['data'] ?? 'null') as unknown,
      };
    });
  return { eventStream, events, isEnded: () => ended, closed };
}

describe(EventStream.name, () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes a state event whose id is the push state, keeping only the asked-for types', () => {
    const { eventStream, events } = stream({ types: new Set(['Email', 'Mailbox']) });
    expect(eventStream.deliver({ Email: '5', Thread: '5' }, '5')).toBe(true);
    expect(eventStream.deliver({ Thread: '6' }, '6')).toBe(false);
    expect(events()).toEqual([
      { event: 'state', id: '5', data: { '@type': 'StateChange', changed: { [accountId]: { Email: '5' } } } },
    ]);
  });

  it('never sends a push state older than one it sent', () => {
    const { eventStream, events } = stream();
    eventStream.deliver({ Email: '9' }, '9');
    eventStream.deliver({ Email: '8' }, '8');
    eventStream.deliver({ Email: '9' }, '9');
    expect(events().map((event) => event.id)).toEqual(['9']);
  });

  it('holds live changes behind the catch-up and sends them after it', () => {
    const { eventStream, events } = stream();
    eventStream.beginCatchUp();
    expect(eventStream.deliver({ Email: '12' }, '12')).toBe(true);
    expect(events()).toEqual([]);
    eventStream.endCatchUp({ Email: '11', Mailbox: '10' }, '11');
    expect(events().map((event) => event.id)).toEqual(['11', '12']);
  });

  it('drops a held change the catch-up already covers', () => {
    const { eventStream, events } = stream();
    eventStream.beginCatchUp();
    eventStream.deliver({ Email: '11' }, '11');
    eventStream.endCatchUp({ Email: '11' }, '11');
    expect(events().map((event) => event.id)).toEqual(['11']);
  });

  it('closes after the first state event with closeafter=state', () => {
    const { eventStream, isEnded, closed } = stream({ closeAfterState: true });
    eventStream.deliver({ Email: '3' }, '3');
    expect(isEnded()).toBe(true);
    expect(closed).toEqual([eventStream]);
    expect(eventStream.deliver({ Email: '4' }, '4')).toBe(false);
  });

  it('ends a replaced stream with a close event that says why and a retry that holds the client back', () => {
    const { eventStream, events, isEnded, closed } = stream();
    eventStream.end({ type: LIMIT_ERROR, detail: 'replaced' });
    expect(isEnded()).toBe(true);
    expect(closed).toEqual([eventStream]);
    expect(events()).toEqual([
      {
        event: 'close',
        id: undefined,
        data: { type: LIMIT_ERROR, detail: 'replaced' },
      },
    ]);
    expect(eventStream.deliver({ Email: '4' }, '4')).toBe(false);
  });

  it('pings when the interval passes without an event, counting from the last event', () => {
    const { eventStream, events } = stream({ pingSeconds: 10 });
    vi.advanceTimersByTime(9_000);
    eventStream.deliver({ Email: '1' }, '1');
    vi.advanceTimersByTime(9_000);
    expect(events().map((event) => event.event)).toEqual(['state']);
    vi.advanceTimersByTime(1_000);
    expect(events()).toEqual([
      expect.objectContaining({ event: 'state' }),
      { event: 'ping', id: undefined, data: { interval: 10 } },
    ]);
    eventStream.close();
    vi.advanceTimersByTime(60_000);
    expect(events()).toHaveLength(2);
  });
});
