import { describe, expect, it } from 'vitest';
import { KeyedLock } from './keyed-lock.js';

describe(KeyedLock.name, () => {
  it('runs work of one key one after the other, and of different keys together, forgetting idle keys', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = lock.run('a', async () => {
      await gate;
      order.push('a1');
    });
    const second = lock.run('a', async () => {
      order.push('a2');
    });
    await lock.run('b', async () => {
      order.push('b1');
    });
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['b1', 'a1', 'a2']);
    expect(lock.size).toBe(0);
  });

  it('keeps going after a failure', async () => {
    const lock = new KeyedLock();
    await expect(lock.run('a', () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(lock.run('a', async () => 1)).resolves.toBe(1);
  });
});
