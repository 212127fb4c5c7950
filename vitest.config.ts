import { defineConfig } from 'vitest/config';

// Two projects: `unit` is pure and offline; `integration` talks to real engines (Docker,
// Packer, sshd, registry) that .ci/run starts. Integration tests must fail, not skip, in CI
// when an engine is missing (see test/helpers/engines.ts).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // Engines are shared; keep integration files from fighting over the one dockerd.
          fileParallelism: false,
        },
      },
    ],
  },
});
