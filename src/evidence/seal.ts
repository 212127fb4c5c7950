import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import type { Verdict } from './verdict.js';

/** JSON with object keys sorted at every level: the same verdict always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** sha256 (hex) of the canonical verdict body without its own `sha256` field. */
export function verdictHash(v: Omit<Verdict, 'sha256'> & { sha256?: string }): string {
  const { sha256: _ignored, ...body } = v;
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

export function sealVerdict(v: Omit<Verdict, 'sha256'>): Verdict {
  return { ...v, sha256: verdictHash(v) };
}

/** File name for a verdict: stable per artifact so a re-test replaces the previous one. */
export function verdictFileName(v: Pick<Verdict, 'artifact'>): string {
  const id = `${v.artifact.id}${v.artifact.region ? `-${v.artifact.region}` : ''}`;
  return `${id.replace(/^sha256:/, '').replace(/[^A-Za-z0-9._-]/g, '_')}.verdict.json`;
}

/** Write atomically (temp file + rename) so a crash never leaves half a verdict. */
export function writeVerdict(dir: string, v: Verdict): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, verdictFileName(v));
  writeFileAtomic(file, `${JSON.stringify(v, null, 2)}\n`);
  return file;
}

export interface ReadVerdict {
  verdict: Verdict;
  /** False when the body no longer matches its sha256: edited after it was written. */
  intact: boolean;
}

export function readVerdict(file: string): ReadVerdict {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const reason = err instanceof SyntaxError ? `not valid JSON (${err.message})` : 'cannot read it';
    throw new UserError(`${file}: ${reason}: pass a verdict written by \`imagegate test\` or \`gate\``);
  }
  const v = parsed as Partial<Verdict>;
  if (v.schema !== 'imagegate.verdict/v1' || !v.artifact || typeof v.sha256 !== 'string') {
    throw new UserError(`${file}: not an imagegate verdict (schema imagegate.verdict/v1 expected)`);
  }
  const verdict = v as Verdict;
  return { verdict, intact: verdictHash(verdict) === verdict.sha256 };
}
