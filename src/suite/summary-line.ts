import type { MatcherOutcome } from './matchers/api.js';
import { type FormatOptions, formatFailure, prettyValue } from './matchers/format.js';
import type { ResourceType } from './model.js';

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

/**
 * goss's one-line (or, for failures, multi-line) rendering of one result:
 *   File: /etc/passwd: exists: matches expectation: true
 *   File: /etc/passwd: mode:\nExpected\n    "0644"\nto equal\n    "0600"
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
  const head = `${gossTypeName(resourceType)}: ${resourceId}: ${property}`;
  if (outcome === 'skip') return `${head}: skipped`;
  if (outcome.ok) return `${head}: matches expectation: ${prettyValue(outcome.result.expected, false)}`;
  const body = formatFailure(outcome.result, outcome.error ?? null, opts);
  return `${head}:${opts.compact ? ' ' : '\n'}${body}`;
}
