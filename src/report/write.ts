import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { writeFileAtomic } from '../core/fs.js';
import { VERSION } from '../core/version.js';
import { trustOfAllStages } from '../evidence/setup.js';
import type { TrustedKey } from '../evidence/trust.js';
import { buildReportModel } from './compliance/assemble.js';
import { loadFleet } from './compliance/fleet.js';
import { renderHtml } from './compliance/html.js';
import { renderJson } from './compliance/json.js';
import { renderJunit } from './compliance/junit.js';
import { loadInputs } from './compliance/load.js';
import { renderMarkdown } from './compliance/markdown.js';
import type { ReportModel } from './compliance/types.js';

export type ComplianceFormat = 'html' | 'markdown' | 'json' | 'junit';

export const RENDERERS: Record<ComplianceFormat, (m: ReportModel) => string> = {
  html: renderHtml,
  markdown: renderMarkdown,
  json: renderJson,
  junit: renderJunit,
};

const BUILTIN_POLICIES = new URL('../../policies', import.meta.url).pathname;

/** Reproducible output when SOURCE_DATE_EPOCH is set (reproducible-builds.org convention). */
function generatedAt(): string {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && /^\d+$/.test(epoch)) return new Date(Number(epoch) * 1000).toISOString();
  return new Date().toISOString();
}

export interface ModelRequest {
  verdictPaths: string[];
  lintFiles: string[];
  promotionFiles: string[];
  pruneFiles: string[];
  policyDirs: string[];
  title: string;
  /** `imagegate drift --format json` files: the report's fleet section. */
  driftFiles?: string[];
  /** `.imagegate` directory holding the development key; default beside imagegate.yaml. */
  stateDir?: string;
}

/**
 * Evidence counts in a report when a key some stage trusts signed it: the union of every
 * stage's `trust`, deduplicated. With no stages configured nothing is trusted, and every
 * verdict is shown as unverified.
 */
export function reportTrust(loaded: LoadedConfig, stateDir?: string): Promise<TrustedKey[]> {
  return trustOfAllStages(Object.values(loaded.config.stages ?? {}), {
    configDir: loaded.dir,
    stateDir: stateDir ?? join(loaded.dir, '.imagegate'),
  });
}

/** Inputs → report model, the same way for `report` and for the reports `gate` writes. */
export async function complianceModel(loaded: LoadedConfig, r: ModelRequest): Promise<ReportModel> {
  const policyDirs = [
    { dir: BUILTIN_POLICIES, explicit: false },
    ...(loaded.config.lint?.policyDirs ?? []).map((d) => ({ dir: resolve(loaded.dir, d), explicit: true })),
    ...r.policyDirs.map((d) => ({ dir: d, explicit: true })),
  ];
  const req = {
    verdictPaths: r.verdictPaths,
    lintFiles: r.lintFiles,
    promotionFiles: r.promotionFiles,
    pruneFiles: r.pruneFiles,
    policyDirs,
    controls: loaded.config.controls ?? {},
    trust: await reportTrust(loaded, r.stateDir),
  };
  const inputs = loadInputs(loaded.file ? { ...req, configFile: loaded.file } : req);
  // A disabled policy never ran, so its silence is no evidence for the controls it names.
  const disabled = new Set(loaded.config.lint?.disable ?? []);
  inputs.policies = inputs.policies.filter((p) => !disabled.has(p.id));
  const model = buildReportModel(inputs, {
    title: r.title,
    generatedAt: generatedAt(),
    toolVersion: VERSION,
  });
  if (r.driftFiles?.length) model.fleet = r.driftFiles.map(loadFleet);
  return model;
}

/** `gate`'s reports: HTML and Markdown side by side in `outDir`; returns their paths. */
export async function writeComplianceReports(r: {
  verdictPaths: string[];
  lintFiles: string[];
  promotionFiles: string[];
  loaded: LoadedConfig;
  outDir: string;
  title: string;
}): Promise<string[]> {
  const model = await complianceModel(r.loaded, {
    verdictPaths: r.verdictPaths,
    lintFiles: r.lintFiles,
    promotionFiles: r.promotionFiles.filter((f) => existsSync(f)),
    pruneFiles: [],
    policyDirs: [],
    title: r.title,
  });
  const html = join(r.outDir, 'report.html');
  const markdown = join(r.outDir, 'report.md');
  writeFileAtomic(html, renderHtml(model));
  writeFileAtomic(markdown, renderMarkdown(model));
  return [html, markdown];
}
