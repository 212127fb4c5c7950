/**
 * A loaded suite: goss's gossfile after vars, templates and includes are resolved. The loader
 * (src/suite/load.ts) produces it; resources (src/suite/resources/<type>.ts) turn each entry
 * into collector-script fragments and facts; matchers (src/suite/matchers/) judge facts.
 */

/** goss resource types imagegate supports (Linux). */
export type ResourceType =
  | 'addr'
  | 'command'
  | 'dns'
  | 'file'
  | 'group'
  | 'http'
  | 'interface'
  | 'kernel-param'
  | 'matching'
  | 'mount'
  | 'package'
  | 'port'
  | 'process'
  | 'service'
  | 'user';

/** An expected value as written in the suite: a bare value, a list, or a matcher object. */
export type Expectation = unknown;

export interface ResourceSpec {
  type: ResourceType;
  /** The map key in the gossfile (path, name, command line, …). */
  key: string;
  /** Attributes exactly as written, minus `title`, `meta`, `skip` (and resource options). */
  attrs: Record<string, Expectation>;
  title: string;
  meta: Record<string, unknown> | null;
  skip: boolean;
  /** Which gossfile and line it came from, for errors and reports. */
  source: { file: string; line: number };
}

export interface Suite {
  /** Top-level gossfile path (or `builtin:NAME`). */
  name: string;
  /** sha256 of the rendered top-level content plus includes, hex. */
  digest: string;
  resources: ResourceSpec[];
  /** Non-fatal loader warnings (duplicate keys, …), positioned. */
  warnings: string[];
}
