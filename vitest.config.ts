import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest defaults to one worker per core less one: a single worker on two cores, where
    // the emulator and end-to-end files spend most of their time waiting. One worker per core
    // lets them wait while the CPU-bound infra files synthesise; more than that slows the
    // synths (and `cdk synth`'s one-minute check) without finishing sooner.
    maxWorkers: 2,
  },
});
