import type { EventProducer } from '@pushmail/platform';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { describe, expect, it, vi } from 'vitest';
import { RegistryMetrics } from '../metrics/registry-metrics.js';
import { AccountPublisher } from './account-publisher.service.js';

function publisherWithLog() {
  const warn = vi.fn();
  const logger = { warn } as unknown as Logger;
  const publisher = new AccountPublisher(
    {} as DataSource,
    {} as EventProducer,
    logger,
    new RegistryMetrics(new Registry()),
  );
  return { publisher, warn };
}

describe(AccountPublisher.name, () => {
  it('answers normally when publishing after a commit fails, and leaves a warning without error internals', async () => {
    const { publisher, warn } = publisherWithLog();
    const failure = Object.assign(new Error('broker unreachable'), { parameters: ['$argon2id$secret-hash'] });
    vi.spyOn(publisher, 'publish').mockRejectedValue(failure);

    await expect(
      publisher.publishAfterCommit('2b7c1c1e-2d1f-4b7a-9d55-1f3a1e0c9e11'),
    ).resolves.toBeUndefined();

    expect(warn).toHaveBeenCalledTimes(1);
    const [fields] = warn.mock.calls[0] as [Record<string, unknown>];
    expect(fields).toEqual({
      accountId: '2b7c1c1e-2d1f-4b7a-9d55-1f3a1e0c9e11',
      error: expect.objectContaining({ type: 'Error', message: 'broker unreachable' }),
    });
    expect(Object.keys(fields['error'] as object).sort()).toEqual(['message', 'stack', 'type']);
    expect(JSON.stringify(warn.mock.calls)).not.toContain('argon2id');
  });

  it('stays quiet when the snapshot was published', async () => {
    const { publisher, warn } = publisherWithLog();
    vi.spyOn(publisher, 'publish').mockResolvedValue('published');
    await publisher.publishAfterCommit('2b7c1c1e-2d1f-4b7a-9d55-1f3a1e0c9e11');
    expect(warn).not.toHaveBeenCalled();
  });
});
