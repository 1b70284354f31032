// The integration project's setup (SWC for decorators, the library aliases) for the benchmarks here:
//   KAFKA_BROKERS=... DATABASE_URL=... npx vitest run --config apps/mailbox/bench/vitest.config.mjs
import { defineConfig } from 'vitest/config';
import root from '../../../vitest.config.ts';

const integration = root.test.projects.find((project) => project.test.name === 'integration');

export default defineConfig({
  ...integration,
  test: {
    ...integration.test,
    name: 'mailbox-bench',
    include: ['apps/mailbox/bench/**/*.bench-spec.ts'],
    testTimeout: 600_000,
  },
});
