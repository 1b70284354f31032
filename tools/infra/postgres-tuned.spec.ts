import { describe, expect, it } from 'vitest';

import { productionSettings, RECORDED_SETTINGS, startTunedPostgres } from './postgres-tuned.mjs';

describe('productionSettings', () => {
  it('gives a quarter of the memory to shared buffers and expects three quarters in the cache', () => {
    const settings = productionSettings({ memoryMiB: 16_384 });
    expect(settings.shared_buffers).toBe('4096MB');
    expect(settings.effective_cache_size).toBe('12288MB');
    expect(settings.maintenance_work_mem).toBe('1024MB');
  });

  it('keeps autovacuum, durable commits and statement statistics on', () => {
    const settings = productionSettings({ memoryMiB: 4096 });
    expect(settings).toMatchObject({
      autovacuum: 'on',
      synchronous_commit: 'on',
      fsync: 'on',
      shared_preload_libraries: 'pg_stat_statements',
    });
    expect(RECORDED_SETTINGS).toContain('autovacuum');
    expect(RECORDED_SETTINGS).not.toContain('pg_stat_statements.max');
  });
});

describe('startTunedPostgres', () => {
  it('names what is missing when there are no PostgreSQL binaries', async () => {
    await expect(startTunedPostgres({ binDir: '/nonexistent/bin', log: () => undefined })).rejects.toThrow(
      /no PostgreSQL binaries in \/nonexistent\/bin/,
    );
  });
});
