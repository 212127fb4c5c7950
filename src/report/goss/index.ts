import type { SuiteRun } from '../../suite/result.js';
import type { GossOptions, Rendered } from './common.js';
import { documentation } from './documentation.js';
import { json } from './json.js';
import { junit } from './junit.js';
import { nagios } from './nagios.js';
import { prometheus } from './prometheus.js';
import { rspecish } from './rspecish.js';
import { silent } from './silent.js';
import { structured } from './structured.js';
import { tap } from './tap.js';

export type { GossOptions, Rendered } from './common.js';

const RENDERERS = {
  rspecish,
  documentation,
  json,
  structured,
  tap,
  junit: (run: SuiteRun, opts: GossOptions) => junit(run, opts),
  nagios,
  prometheus,
  silent,
} satisfies Record<string, (run: SuiteRun, opts: GossOptions) => Rendered>;

export type GossFormat = keyof typeof RENDERERS;

/** goss's output formats, default first. */
export const GOSS_FORMATS = Object.keys(RENDERERS) as GossFormat[];

/** goss's `-o` format options. */
export const GOSS_FORMAT_OPTIONS = ['sort', 'pretty', 'verbose', 'perfdata', 'exclude_raw'] as const;

/**
 * Render a suite run in one of goss's formats. The exit code follows goss: 0 all passed, 1 a
 * check failed, 2 for nagios CRITICAL; prometheus always 0 (its metrics carry the outcome).
 */
export function renderGoss(format: GossFormat, run: SuiteRun, opts: GossOptions = {}): Rendered {
  return RENDERERS[format](run, opts);
}
