import type { SuiteRun } from '../../suite/result.js';
import { counts, exitFor, type Rendered } from './common.js';

/** No output; only the exit code tells. */
export function silent(run: SuiteRun): Rendered {
  return { text: '', exitCode: exitFor(counts(run.results)) };
}
