import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isRetriedBrokerError, kafkajsLogSeverity } from './kafka-client.js';

const { logLevel } = kafkajs;

describe(kafkajsLogSeverity.name, () => {
  it('logs a response the broker refused with an error kafkajs retries at debug', () => {
    expect(
      kafkajsLogSeverity(logLevel.ERROR, {
        message: 'Response GroupCoordinator(key: 10, version: 2)',
        error: "The coordinator is loading and hence can't process requests for this group",
      }),
    ).toBe('debug');
    expect(
      kafkajsLogSeverity(logLevel.ERROR, {
        message: 'Response Metadata(key: 3, version: 6)',
        error: 'There is no leader for this topic-partition as we are in the middle of a leadership election',
      }),
    ).toBe('debug');
  });

  it('keeps a response refused with an error kafkajs does not retry at error', () => {
    expect(
      kafkajsLogSeverity(logLevel.ERROR, {
        message: 'Response Produce(key: 0, version: 7)',
        error: 'The request included a message larger than the max message size the server will accept',
      }),
    ).toBe('error');
  });

  it('keeps every other error line at error, even when it carries a retriable message', () => {
    expect(
      kafkajsLogSeverity(logLevel.ERROR, {
        message: 'Crash: KafkaJSNumberOfRetriesExceeded',
        error: "The coordinator is loading and hence can't process requests for this group",
      }),
    ).toBe('error');
    expect(kafkajsLogSeverity(logLevel.ERROR, { message: 'Failed to connect to broker, reconnecting' })).toBe(
      'error',
    );
  });

  it('passes warnings and lower levels through', () => {
    expect(kafkajsLogSeverity(logLevel.WARN, { message: 'anything' })).toBe('warn');
    expect(kafkajsLogSeverity(logLevel.INFO, { message: 'anything' })).toBe('debug');
  });
});

describe('kafkajs lines of a broker that is starting', () => {
  it('logs a topic another service created first at debug', () => {
    expect(
      kafkajsLogSeverity(logLevel.ERROR, {
        message: 'Response CreateTopics(key: 19, version: 3)',
        error: 'Topic with this name already exists',
      }),
    ).toBe('debug');
    // Several topics refused at once come as one aggregate error, which the topics admin logs and retries.
    expect(
      kafkajsLogSeverity(logLevel.ERROR, {
        message: 'Response CreateTopics(key: 19, version: 3)',
        error: 'Topic creation errors',
      }),
    ).toBe('debug');
  });

  it('logs a consumer crash on a retriable broker error, and its restart, at warn', () => {
    expect(
      kafkajsLogSeverity(logLevel.ERROR, {
        message:
          "Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group",
      }),
    ).toBe('warn');
    expect(kafkajsLogSeverity(logLevel.ERROR, { message: 'Restarting the consumer in 200ms' })).toBe('warn');
  });

  it('keeps a crash after the retries ran out at error', () => {
    expect(
      kafkajsLogSeverity(logLevel.ERROR, {
        message: 'Crash: KafkaJSNumberOfRetriesExceeded: Topic with this name already exists',
      }),
    ).toBe('error');
  });
});

describe(isRetriedBrokerError.name, () => {
  it('finds the retriable broker error behind the errors that wrap it', () => {
    const loading = new Error("The coordinator is loading and hence can't process requests for this group");
    expect(isRetriedBrokerError(loading)).toBe(true);
    expect(isRetriedBrokerError(new Error('retries exhausted', { cause: loading }))).toBe(true);
    expect(isRetriedBrokerError(new Error('Topic with this name already exists'))).toBe(false);
    expect(isRetriedBrokerError('not an error')).toBe(false);
  });
});
