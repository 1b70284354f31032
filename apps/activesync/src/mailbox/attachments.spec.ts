import { describe, expect, it } from 'vitest';
import { capped, readCapped } from './attachments.js';

const streamOf = (...chunks: number[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const size of chunks) controller.enqueue(new Uint8Array(size).fill(7));
      controller.close();
    },
  });

describe(capped.name, () => {
  it('passes an attachment within the cap through unchanged', async () => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of capped(streamOf(10, 10), 20)) chunks.push(chunk);
    expect(Buffer.concat(chunks)).toEqual(Buffer.alloc(20, 7));
  });

  it('breaks off an attachment that grows past the cap', async () => {
    const reading = (async () => {
      for await (const chunk of capped(streamOf(10, 10, 1), 20)) expect(chunk.byteLength).toBe(10);
    })();
    await expect(reading).rejects.toThrow('exceeds 20 bytes');
  });
});

describe(readCapped.name, () => {
  it('reads all of an attachment within the cap', async () => {
    expect(await readCapped(streamOf(3, 4), 7)).toEqual(Buffer.alloc(7, 7));
  });

  it('answers nothing for an attachment over the cap', async () => {
    expect(await readCapped(streamOf(3, 5), 7)).toBeUndefined();
  });
});
