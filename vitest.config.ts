import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // Two cores: model and e2e tests compete for them, so keep file-level parallelism modest.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The UI settles asynchronously and a loaded 2-core CI machine can take seconds to do it;
    // vitest's 1 s poll default made the e2e assertions flaky there.
    expect: { poll: { timeout: 15_000, interval: 100 } },
  },
})
