/**
 * A passing verdict proves only the suites it ran. Without this check, `test IMAGE -g one.yaml`
 * after a gate that failed `builtin:no-secrets` wrote a passing verdict that promote accepted.
 * So a verdict about an image in imagegate.yaml must have run every suite configured for that
 * image, as it renders today (same digest: vars included); ad hoc verdicts are refused where
 * imagegate.yaml configures images.
 */
import { relative } from 'node:path';
import type { ImageSuites } from '../config/images.js';
import { UserError } from '../core/errors.js';
import type { Verdict } from '../evidence/verdict.js';
import { loadSuite } from '../suite/load.js';
import { REFUSED } from './eligibility.js';

export async function assertRequiredSuites(
  file: string,
  verdict: Verdict,
  images: Readonly<Record<string, ImageSuites>>,
): Promise<void> {
  const names = Object.keys(images);
  if (names.length === 0) return;
  if (verdict.image === undefined) {
    throw new UserError(
      `refused: ${file} names no image from imagegate.yaml (an ad hoc \`test -g\` run), so which suites it had to pass is unknown: test it with --image NAME (one of ${names.join(', ')}), or run gate`,
      REFUSED,
    );
  }
  const wanted = images[verdict.image];
  if (!wanted) {
    throw new UserError(
      `refused: ${file} is about image "${verdict.image}", which imagegate.yaml does not configure (images: ${names.join(', ')})`,
      REFUSED,
    );
  }
  const ran = new Set(verdict.suites.map((s) => s.digest));
  for (const path of wanted.suites) {
    let digest: string;
    try {
      digest = (await loadSuite(path, { vars: wanted.suiteVars })).digest;
    } catch (err) {
      throw new UserError(`image ${verdict.image}: suite ${shown(path)}: ${(err as Error).message}`);
    }
    if (ran.has(digest)) continue;
    const sameName = verdict.suites.some((s) => s.name === shown(path) || s.name === path);
    throw new UserError(
      sameName
        ? `refused: ${file}: suite ${shown(path)} changed since image ${verdict.image} was tested (it renders differently now): test it again`
        : `refused: ${file}: image ${verdict.image} must pass suite ${shown(path)} (imagegate.yaml), and this verdict did not run it: test it with --image ${verdict.image}, or run gate`,
      REFUSED,
    );
  }
}

function shown(path: string): string {
  return path.startsWith('builtin:') ? path : relative(process.cwd(), path);
}
