import type { ArtifactRef, Verdict } from '../../src/evidence/verdict.js';
import { TEST_KEY, type TestKey, writeSignedVerdictFile } from './evidence.js';

/** A verdict as `imagegate test` makes it: one suite, passing unless told otherwise. */
export function makeVerdict(
  artifact: Omit<ArtifactRef, 'reference'> & { reference?: string },
  passed = true,
): Verdict {
  const failed = passed ? 0 : 1;
  return {
    schema: 'imagegate.verdict/v1',
    artifact: { reference: artifact.id, ...artifact },
    git: { sha: '0123456789abcdef0123456789abcdef01234567', dirty: false },
    suites: [
      {
        name: 'goss.yaml',
        digest: 'a'.repeat(64),
        run: {
          results: [],
          summary: {
            'test-count': 3,
            'failed-count': failed,
            'skipped-count': 0,
            'total-duration': 1_000_000,
            'summary-line': `Count: 3, Failed: ${failed}, Skipped: 0`,
          },
        },
      },
    ],
    target: { kind: artifact.kind === 'ami' ? 'ec2' : 'docker' },
    timings: { startedAt: '2026-11-28T07:00:00.000Z', finishedAt: '2026-11-28T07:01:00.000Z' },
    passed,
    promotions: [],
    tool: { name: 'imagegate', version: '0.1.0' },
  };
}

/** Sign it (the trusted test key unless told otherwise) and write it where `promote` looks: `<stateDir>/verdicts/`. */
export function storeVerdict(stateDir: string, v: Verdict, key: TestKey = TEST_KEY): string {
  return writeSignedVerdictFile(`${stateDir}/verdicts`, v, key);
}
