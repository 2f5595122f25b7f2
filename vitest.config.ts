import { defineConfig } from 'vitest/config'

// The customization proof trains for ~15 minutes on both cores; it runs as its own project after everything else
// (sequence.groupOrder) so that neither it nor the timing-sensitive e2e tests compete for the CPU.
const PROOF = 'test/distill/customize-proof.test.ts'

export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    // Two cores: model and e2e tests compete for them, so keep file-level parallelism modest.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The UI settles asynchronously and a loaded 2-core CI machine can take seconds to do it;
    // vitest's 1 s poll default made the e2e assertions flaky there.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: [PROOF], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'proof', include: [PROOF], sequence: { groupOrder: 1 } } },
    ],
  },
})
