/**
 * What a rejected attestation claims, shaped as a verdict for display only: reports show
 * evidence that failed verification (to investigate it), never count it. Missing parts are
 * filled with empties; an unreadable file becomes an artifact named by its file.
 */
import type { Verdict } from './verdict.js';

export function claimedVerdict(claimed: unknown, file: string): Verdict {
  const c = (claimed && typeof claimed === 'object' ? claimed : {}) as Partial<Verdict>;
  const artifact =
    c.artifact && typeof c.artifact === 'object' && typeof c.artifact.id === 'string'
      ? c.artifact
      : { kind: 'docker-image' as const, id: `(unreadable: ${file})`, reference: file };
  return {
    ...c,
    schema: 'imagegate.verdict/v1',
    artifact,
    suites: Array.isArray(c.suites) ? c.suites : [],
    target: c.target && typeof c.target === 'object' ? c.target : {},
    timings: c.timings && typeof c.timings === 'object' ? c.timings : { startedAt: '', finishedAt: '' },
    // A claim is not evidence: only `=== true` may even be shown as a claimed pass.
    passed: c.passed === true,
    promotions: Array.isArray(c.promotions) ? c.promotions : [],
    tool: c.tool && typeof c.tool === 'object' ? c.tool : { name: 'imagegate', version: '' },
  };
}
