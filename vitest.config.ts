import { defineConfig } from 'vitest/config';

// `npm test` runs four projects: `unit` is pure and offline; `integration` talks to real engines (Docker,
// Packer, sshd, registry) that .ci/run starts; `aws` runs the AWS half against a moto server
// (scripts/setup-host.sh starts it), with sshd containers (Docker) standing in for EC2
// instances; `container` builds imagegate's own image. `corpus` (on demand) checks against
// other people's files kept outside the repository. Engine tests must fail, not skip, when an engine is missing
// (see test/helpers/engines.ts and test/aws/helpers/moto.ts).
export default defineConfig({
  test: {
    // On a 2-core runner vitest would run one file at a time, so the four projects queued behind
    // each other. Integration and aws files still run one at a time within their project
    // (fileParallelism: false); most of their time is spent waiting on engines, so the projects
    // run side by side.
    maxWorkers: 4,
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
          exclude: ['test/integration/container-image.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // Engines are shared; keep integration files from fighting over the one dockerd.
          fileParallelism: false,
        },
      },
      {
        // Checks against other people's files (goss's own goldens), which stay out of this
        // repository and which CI machines cannot download: run on demand with
        // `npm run test:corpus`, never part of `npm test`.
        test: {
          name: 'corpus',
          include: ['test/corpus/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        // Building imagegate's own image is minutes of downloads and compiling on a fresh
        // machine, mostly waiting on the network: its own project runs beside the others
        // instead of holding the integration queue.
        test: {
          name: 'container',
          include: ['test/integration/container-image.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 1_600_000,
        },
      },
      {
        test: {
          name: 'aws',
          include: ['test/aws/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/aws/helpers/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One moto server holds all state and tests reset it and move its clock: one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
