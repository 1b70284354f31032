import { describe, expect, it } from 'vitest';
import { importOptional } from './optional-module.js';

describe(importOptional.name, () => {
  it('loads an installed package', async () => {
    const kafkajs = await importOptional<{ default: { Kafka: unknown } }>('kafkajs', { purpose: 'A test' });
    expect(typeof kafkajs.default.Kafka).toBe('function');
  });

  it('names a missing package and the command that installs it with its companions', async () => {
    const attempt = importOptional('@pushmail/not-a-package', {
      purpose: 'Running pushmail in containers',
      install: ['@pushmail/not-a-package', 'companion'],
    });
    await expect(attempt).rejects.toThrow(
      'Running pushmail in containers needs the package @pushmail/not-a-package, which is not installed: ' +
        'run `npm install --no-save @pushmail/not-a-package companion`',
    );
  });

  it('passes on a failure of an installed package as it is', async () => {
    const broken = 'data:text/javascript,throw new Error("broken at import")';
    await expect(importOptional(broken, { purpose: 'A test' })).rejects.toThrow(/^broken at import$/);
  });
});
