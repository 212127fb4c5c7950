/**
 * What `imagegate gate` decided for each image, and the table it prints. Pure: the pipeline
 * fills these in, the CLI renders them.
 */
export type GateStep = 'lint' | 'build' | 'test' | 'promote';

export interface ArtifactOutcome {
  /** Docker image id or AMI id (with region). */
  id: string;
  region?: string;
  build: string;
  status: 'pass' | 'fail' | 'infra';
  verdictFile?: string;
  verdictSha256?: string;
  checks: { total: number; failed: number; skipped: number };
  /** The failed checks in goss's words (resource, attribute, expected vs found), at most FAILED_CHECKS_SHOWN. */
  failedChecks?: { suite: string; summary: string }[];
  promotion: {
    stage: string;
    status: 'promoted' | 'already' | 'pending' | 'failed' | 'skipped';
    detail?: string;
  };
  error?: string;
}

export interface ImageOutcome {
  /** The image name, or for a template no image builds, its path. */
  image: string;
  /** A template in lint.paths that no selected image builds: linted, nothing else. */
  lintOnly?: boolean;
  passed: boolean;
  /** The step that stopped this image, when it did not pass. */
  failedAt?: GateStep;
  reason?: string;
  lint: { errors: number; warnings: number; infos: number; suppressed: number };
  build?: { durationMs: number; logFile: string };
  artifacts: ArtifactOutcome[];
  durationMs: number;
}

export interface GateSummary {
  runId: string;
  passed: boolean;
  images: ImageOutcome[];
  verdictDir: string;
  reports: string[];
}

function checksCell(a: ArtifactOutcome): string {
  const { total, failed, skipped } = a.checks;
  return `${total - failed - skipped}/${total} passed${skipped ? `, ${skipped} skipped` : ''}`;
}

function shortId(id: string): string {
  return id.startsWith('sha256:') ? id.slice(7, 19) : id;
}

/** One row per artifact (or per image that stopped before producing any), aligned for a terminal. */
export function summaryTable(s: GateSummary): string {
  const rows: string[][] = [['IMAGE', 'RESULT', 'LINT', 'ARTIFACT', 'CHECKS', 'PROMOTION']];
  for (const img of s.images) {
    const lint = `${img.lint.errors}E ${img.lint.warnings}W`;
    if (img.artifacts.length === 0) {
      const what = img.lintOnly ? 'lint only' : '-';
      rows.push([img.image, img.passed ? 'pass' : `FAIL (${img.failedAt})`, lint, what, '-', '-']);
      continue;
    }
    for (const a of img.artifacts) {
      const result = a.status === 'pass' ? 'pass' : a.status === 'infra' ? 'INFRA' : 'FAIL';
      const promo = `${a.promotion.stage || '-'}: ${a.promotion.status}`;
      rows.push([
        img.image,
        result,
        lint,
        `${shortId(a.id)}${a.region ? ` (${a.region})` : ''}`,
        checksCell(a),
        promo,
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Failed checks listed per artifact; the rest are counted, and all are in the verdict. */
export const FAILED_CHECKS_SHOWN = 10;

/** Why each failed image failed, one line each: the first thing a reader needs. */
export function failureLines(s: GateSummary): string[] {
  const lines: string[] = [];
  for (const img of s.images) {
    if (img.passed) continue;
    if (img.reason) lines.push(`${img.image}: ${img.failedAt}: ${img.reason}`);
    for (const a of img.artifacts) {
      if (a.status !== 'pass') {
        lines.push(
          `${img.image} ${shortId(a.id)}: ${a.error ?? `${a.checks.failed} check(s) failed`}${a.verdictFile ? ` (verdict: ${a.verdictFile})` : ''}`,
        );
        for (const c of a.failedChecks ?? [])
          lines.push(`  ✗ ${c.suite}: ${c.summary.replace(/\n/g, '\n    ')}`);
        const more = a.checks.failed - (a.failedChecks?.length ?? 0);
        if (more > 0) lines.push(`  … and ${more} more failed check(s): see the verdict`);
      }
      if (a.promotion.status === 'failed')
        lines.push(`${img.image} ${shortId(a.id)}: promote: ${a.promotion.detail ?? 'failed'}`);
    }
  }
  return lines;
}
