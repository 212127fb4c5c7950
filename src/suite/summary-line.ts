import type { MatcherOutcome } from './matchers/api.js';
import { type FormatOptions, formatFailure, prettyValue } from './matchers/format.js';
import type { ResourceType } from './model.js';
import type { MatcherResult } from './result.js';

/** goss prints resource types by their Go type names (`KernelParam`, `DNS`, `HTTP`). */
const GOSS_TYPE: Record<ResourceType | 'gossfile', string> = {
  addr: 'Addr',
  command: 'Command',
  dns: 'DNS',
  file: 'File',
  gossfile: 'Gossfile',
  group: 'Group',
  http: 'HTTP',
  interface: 'Interface',
  'kernel-param': 'KernelParam',
  matching: 'Matching',
  mount: 'Mount',
  package: 'Package',
  port: 'Port',
  process: 'Process',
  service: 'Service',
  user: 'User',
};

/** `file` → `File`, as goss's JSON `resource-type` and summary lines spell it. */
export function gossTypeName(type: string): string {
  return GOSS_TYPE[type as ResourceType] ?? type;
}

/** The parts of a result its summary line depends on. */
export interface LineState {
  /** 0 pass, 1 fail, 2 skip. */
  result: 0 | 1 | 2;
  matcher: MatcherResult;
  err: string | null;
}

/**
 * goss's humanizeResult: the one-line (failures: multi-line, unless compact) rendering of one
 * result, shared by the runner (JSON `summary-line`) and every output format.
 */
export function renderLine(
  resourceType: string,
  resourceId: string,
  property: string,
  state: LineState,
  opts: FormatOptions = {},
): string {
  const head = `${gossTypeName(resourceType)}: ${resourceId}: ${property}`;
  if (state.result === 2) return `${head}: skipped`;
  if (state.result === 0)
    return `${head}: ${state.matcher.message}: ${prettyValue(state.matcher.expected, false)}`;
  return `${head}:${opts.compact ? ' ' : '\n'}${formatFailure(state.matcher, state.err, opts)}`;
}

/**
 * goss's summary line for one evaluated (or skipped) attribute:
 *   File: /etc/passwd: exists: matches expectation: true
 *   File: /etc/passwd: mode:\nExpected\n    "0600"\nto equal\n    "0644"
 *   File: /etc/passwd: mode: skipped
 * `resourceType` may be the suite key (`file`) or goss's name (`File`).
 */
export function summaryLine(
  resourceType: string,
  resourceId: string,
  property: string,
  outcome: MatcherOutcome | 'skip',
  opts: FormatOptions = {},
): string {
  const state: LineState =
    outcome === 'skip'
      ? { result: 2, matcher: { message: '' }, err: null }
      : { result: outcome.ok ? 0 : 1, matcher: outcome.result, err: outcome.error ?? null };
  return renderLine(resourceType, resourceId, property, state, opts);
}
