import { describe, expect, it } from 'vitest';
import { connectionsOverCap } from './connection-cap.js';

const at = (deviceId: string, openedAt: number, name: string) => ({ deviceId, openedAt, name });

describe(connectionsOverCap.name, () => {
  it('leaves a device at or under the cap alone', () => {
    expect(connectionsOverCap([at('phone', 1, 'a'), at('phone', 2, 'b')], 'phone', 2)).toEqual([]);
  });

  it("names the device's oldest connections past the cap, never another device's", () => {
    const open = [at('phone', 30, 'c'), at('laptop', 1, 'x'), at('phone', 10, 'a'), at('phone', 20, 'b')];
    expect(connectionsOverCap(open, 'phone', 2).map((connection) => connection.name)).toEqual(['a']);
    expect(connectionsOverCap(open, 'phone', 1).map((connection) => connection.name)).toEqual(['a', 'b']);
  });

  it('keeps arrival order among connections opened in the same millisecond', () => {
    const open = [at('phone', 5, 'first'), at('phone', 5, 'second'), at('phone', 5, 'third')];
    expect(connectionsOverCap(open, 'phone', 1).map((connection) => connection.name)).toEqual([
      'first',
      'second',
    ]);
  });
});
