import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { commitOrRejoin, rejoinCause } from './event-consumer.js';

const require = createRequire(import.meta.url);
const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as {
  createErrorFromCode: (code: number) => Error & { type: string };
};
const createRetry = require('kafkajs/src/retry/index.js') as (
  options: object,
) => <T>(run: (bail: (error: Error) => void) => Promise<T>) => Promise<T>;

const UNKNOWN_MEMBER_ID = 25;
const ILLEGAL_GENERATION = 22;
const REQUEST_TIMED_OUT = 7;

/** A commit as `consumer.commitOffsets` runs it: kafkajs's retrier, which wraps a non-retriable error. */
function commitFailingWith(code: number): () => Promise<void> {
  const retrier = createRetry({ retries: 1, initialRetryTime: 1, maxRetryTime: 2 });
  return () =>
    retrier(async () => {
      throw createErrorFromCode(code);
    });
}

describe(commitOrRejoin.name, () => {
  it('throws the membership error itself when the coordinator no longer knows the member', async () => {
    const wrapped = await commitFailingWith(UNKNOWN_MEMBER_ID)().catch((error: Error) => error);
    expect(wrapped?.name).toBe('KafkaJSNonRetriableError');

    await expect(commitOrRejoin(commitFailingWith(UNKNOWN_MEMBER_ID))).rejects.toMatchObject({
      name: 'KafkaJSProtocolError',
      type: 'UNKNOWN_MEMBER_ID',
    });
    await expect(commitOrRejoin(commitFailingWith(ILLEGAL_GENERATION))).rejects.toMatchObject({
      type: 'ILLEGAL_GENERATION',
    });
  });

  it('passes every other failure through unchanged', async () => {
    await expect(commitOrRejoin(commitFailingWith(REQUEST_TIMED_OUT))).rejects.toMatchObject({
      name: 'KafkaJSNumberOfRetriesExceeded',
    });
    await expect(commitOrRejoin(async () => undefined)).resolves.toBeUndefined();
  });
});

describe(rejoinCause.name, () => {
  it('finds a membership error through the causes and nothing in others', () => {
    const inner = createErrorFromCode(UNKNOWN_MEMBER_ID);
    expect(rejoinCause(new Error('outer', { cause: inner }))).toBe(inner);
    expect(rejoinCause(createErrorFromCode(REQUEST_TIMED_OUT))).toBeUndefined();
    expect(rejoinCause('not an error')).toBeUndefined();
  });
});
