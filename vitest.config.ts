import { configDefaults, defineConfig } from 'vitest/config';
import { assertSupportedNode } from './lib/local/node-version.ts';

// On an older node the emulators fail deep inside; say what is wrong before any test runs.
assertSupportedNode();

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest defaults to one worker per core less one: a single worker on two cores, where
    // the emulator and end-to-end files spend most of their time waiting. One worker per core
    // lets them wait while the CPU-bound infra files synthesise; more than that slows the
    // synths (and `cdk synth`'s one-minute check) without finishing sooner.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          // Loading aws-cdk-lib again for every file cost more CPU than the synths themselves
          // (about 35 s of 57 s on two cores). The infra files only build apps and read
          // templates, with no module state between them, so they share one module cache.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'runtime',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/infra/**'],
        },
      },
    ],
  },
});
