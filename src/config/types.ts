/**
 * imagegate.yaml as TypeScript sees it. The JSON schemas in `schemas/config/` are the source
 * of truth for validation; keep these types in step with them (one section per file there).
 */
export type Severity = 'error' | 'warning' | 'info';

export interface LintConfig {
  policyDirs?: string[];
  disable?: string[];
  severity?: Record<string, Severity>;
  failOn?: Severity;
  settings?: Record<string, Record<string, unknown>>;
}

export interface ImageConfig {
  template: string;
  varFiles?: string[];
  vars?: Record<string, string | number | boolean>;
  only?: string[];
  inputs?: string[];
  suites?: string[];
  suiteVars?: string[];
  timeout?: string;
  test?: { docker?: Record<string, unknown>; ec2?: Record<string, unknown>; [key: string]: unknown };
}

export interface Config {
  version?: 1;
  lint?: LintConfig;
  images?: Record<string, ImageConfig>;
  stages?: Record<string, unknown>;
  retention?: Record<string, unknown>;
  controls?: Record<string, string[]>;
}
