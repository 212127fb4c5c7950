/**
 * The I/O edge of the report: find and read verdicts, lint results, promotion records, prune
 * plans/audit logs and policy files into `ReportInputs`. Bad input the user must fix is a
 * `UserError` naming the file (and line); a policy file that is missing or unreadable only
 * costs its description, so it becomes a note in the report instead.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserError } from '../../core/errors.js';
import { claimedVerdict } from '../../evidence/claimed.js';
import { type Envelope, encodeEnvelope } from '../../evidence/dsse.js';
import type { TrustedKey } from '../../evidence/trust.js';
import type { Verdict } from '../../evidence/verdict.js';
import { verifyPromotion, verifyVerdict } from '../../evidence/verify.js';
import { parseFinding } from './findings.js';
import type {
  EvidenceCheck,
  InputFile,
  LintFinding,
  PolicyInfo,
  ReportInputs,
  SourcedRecord,
} from './types.js';

const VERDICT_SUFFIX = '.verdict.json';

function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function readBytes(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UserError(`${file}: cannot read ${what} (${code}): check the path`);
  }
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.git')) walk(p, out);
    } else if (entry.name.endsWith(VERDICT_SUFFIX)) out.push(p);
  }
}

/** Verdict files named directly, plus every `*.verdict.json` under directories named. */
export function findVerdictFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p))
      throw new UserError(`${p}: no such file or directory: pass verdict files or directories`);
    if (statSync(p).isDirectory()) {
      const before = out.length;
      walk(p, out);
      if (out.length === before) throw new UserError(`${p}: no *${VERDICT_SUFFIX} files in this directory`);
    } else out.push(p);
  }
  return [...new Set(out)];
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

export function readLintFile(file: string): {
  findings: LintFinding[];
  notApplicable: Record<string, string[]>;
  bytes: Buffer;
} {
  const bytes = readBytes(file, 'lint results');
  const data = parseJson(file, bytes.toString('utf8'));
  const list = Array.isArray(data) ? data : (data as { findings?: unknown } | null)?.findings;
  if (!Array.isArray(list)) {
    throw new UserError(`${file}: not lint results: expected the output of \`imagegate lint --format json\``);
  }
  const findings = list.map((item, i) => {
    const f = parseFinding(item);
    if (!f) throw new UserError(`${file}: findings[${i}]: a finding needs string "policy" and "message"`);
    return f;
  });
  return { findings, notApplicable: notApplicableMap(data), bytes };
}

/** `notApplicable` of lint JSON, read tolerantly: older outputs lack it, odd entries are dropped. */
function notApplicableMap(data: unknown): Record<string, string[]> {
  const raw = asObject(asObject(data)?.notApplicable);
  const out: Record<string, string[]> = {};
  for (const [template, ids] of Object.entries(raw ?? {})) {
    if (!Array.isArray(ids)) continue;
    out[template] = ids.filter((id): id is string => typeof id === 'string' && id !== '');
  }
  return out;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Records from JSON (an object, an array, or an object holding arrays of objects such as a
 * plan's `decisions`) or JSONL (one object per line; blank lines allowed). Append-only logs can
 * end a crashed run with a torn line, so in JSONL a line that does not parse is skipped with a
 * note, as long as other lines do; a file where no line parses is bad input.
 */
export function parseRecords(file: string, text: string, notes: string[]): SourcedRecord[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let whole: unknown;
  let isWholeJson = true;
  try {
    whole = JSON.parse(trimmed);
  } catch {
    isWholeJson = false;
  }
  if (isWholeJson) {
    const list = Array.isArray(whole) ? whole : undefined;
    if (list) {
      return list.map((item, i) => {
        const record = asObject(item);
        if (!record) throw new UserError(`${file}: item ${i + 1}: expected a JSON object`);
        return { file, line: i + 1, item: true, record };
      });
    }
    const obj = asObject(whole);
    if (!obj) throw new UserError(`${file}: expected a JSON object, an array of objects, or JSON lines`);
    const nested = Object.values(obj).filter(
      (v): v is Record<string, unknown>[] => Array.isArray(v) && v.length > 0 && v.every((x) => asObject(x)),
    );
    if (nested.length === 0) return [{ file, line: 1, item: true, record: obj }];
    // A plan's own scalars (`generatedAt`, `account`) apply to each of its entries unless they say otherwise.
    const shared = Object.fromEntries(
      Object.entries(obj).filter(([, v]) => v === null || typeof v !== 'object'),
    );
    return nested
      .flat()
      .map((record, i) => ({ file, line: i + 1, item: true, record: { ...shared, ...record } }));
  }
  const out: SourcedRecord[] = [];
  const bad: { line: number; reason: string }[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      bad.push({ line: i + 1, reason: `not valid JSON (${(err as Error).message})` });
      return;
    }
    const record = asObject(value);
    if (record) out.push({ file, line: i + 1, record });
    else bad.push({ line: i + 1, reason: 'not a JSON object' });
  });
  const first = bad[0];
  if (first && out.length === 0) {
    throw new UserError(
      `${file}:${first.line}: ${first.reason}: expected JSON, or JSON lines with one object per line`,
    );
  }
  for (const b of bad) notes.push(`${file}:${b.line}: ${b.reason}; line skipped (a torn write?)`);
  return out;
}

function stringList(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list
    .map((v) => {
      if (typeof v === 'string' || typeof v === 'number') return String(v);
      const o = asObject(v);
      if (!o) return undefined;
      const url = typeof o.url === 'string' ? o.url : undefined;
      const title = typeof o.title === 'string' ? o.title : typeof o.id === 'string' ? o.id : undefined;
      return url && title ? `${title} ${url}` : (url ?? title);
    })
    .filter((s): s is string => s !== undefined && s !== '');
}

function policyFrom(file: string, data: unknown): PolicyInfo | undefined {
  const o = asObject(data);
  if (!o) return undefined;
  const id = typeof o.id === 'string' ? o.id : basename(file, extname(file));
  const text = (k: string) => (typeof o[k] === 'string' ? (o[k] as string).trim() : undefined);
  const p: PolicyInfo = { id, references: stringList(o.references), controls: stringList(o.controls), file };
  for (const k of ['title', 'severity', 'rationale', 'remediation'] as const) {
    const v = text(k);
    if (v) p[k] = v;
  }
  return p;
}

/**
 * Policy descriptions from `<dir>/<id>.yaml`. Later directories override earlier ones, so a
 * project's own policy dir can refine a built-in policy's wording.
 */
export function loadPolicies(
  dirs: readonly { dir: string; explicit: boolean }[],
  files: InputFile[],
  notes: string[],
): PolicyInfo[] {
  const byId = new Map<string, PolicyInfo>();
  for (const { dir, explicit } of dirs) {
    if (!existsSync(dir)) {
      if (explicit) notes.push(`${dir}: policy directory not found; policy descriptions from it are missing`);
      continue;
    }
    for (const name of readdirSync(dir).sort()) {
      if (!/\.ya?ml$/.test(name)) continue;
      const file = join(dir, name);
      let bytes: Buffer;
      let data: unknown;
      try {
        bytes = readFileSync(file);
        data = parseYaml(bytes.toString('utf8'));
      } catch (err) {
        notes.push(`${file}: policy file not readable (${(err as Error).message.split('\n')[0]}); skipped`);
        continue;
      }
      const p = policyFrom(file, data);
      if (!p) {
        notes.push(`${file}: not a policy (expected a YAML mapping); skipped`);
        continue;
      }
      byId.set(p.id, p);
      files.push({ path: file, kind: 'policy', sha256: sha256(bytes) });
    }
  }
  return [...byId.values()];
}

export interface LoadRequest {
  verdictPaths: string[];
  lintFiles: string[];
  promotionFiles: string[];
  pruneFiles: string[];
  policyDirs: { dir: string; explicit: boolean }[];
  controls: Record<string, string[]>;
  configFile?: string;
  /** Keys whose signatures make evidence count (every stage's trust list, by default). */
  trust: readonly TrustedKey[];
}

/**
 * imagegate's promotion records carry a signed attestation; verify it so a hand-written or
 * edited line is flagged instead of being shown as history. Other records are left as read.
 */
function checkPromotion(r: SourcedRecord, trust: readonly TrustedKey[], notes: string[]): SourcedRecord {
  if (r.record.schema !== 'imagegate.promotion/v1') return r;
  const env = r.record.attestation;
  const v =
    env && typeof env === 'object' ? verifyPromotion(encodeEnvelope(env as Envelope), { trust }) : undefined;
  const reason = !v
    ? 'no signed attestation (hand-written or from before records were signed)'
    : v.ok
      ? v.predicate.stage !== r.record.stage
        ? `its signed stage is "${v.predicate.stage}", not "${String(r.record.stage)}"`
        : undefined
      : v.reason;
  if (!reason) return { ...r, signature: { verified: true } };
  notes.push(`${r.file}:${r.line}: promotion record not verified: ${reason}; it proves nothing`);
  return { ...r, signature: { verified: false, reason } };
}

/**
 * Verify one evidence file. The report never refuses to show evidence: what fails verification
 * is shown for investigation, with why, and counted as tampered.
 */
export function checkEvidence(
  file: string,
  bytes: Buffer,
  trust: readonly TrustedKey[],
): { verdict: Verdict; check: EvidenceCheck } {
  const r = verifyVerdict(bytes, { trust });
  if (r.ok) {
    return { verdict: r.predicate, check: { verified: true, signer: r.signer.label, digest: r.digest } };
  }
  const check: EvidenceCheck = {
    verified: false,
    code: r.code,
    reason: r.reason,
    digest: r.digest ?? sha256(bytes),
    ...(r.keyId ? { signer: r.keyId } : {}),
  };
  return { verdict: claimedVerdict(r.claimed, file), check };
}

export function loadInputs(req: LoadRequest): ReportInputs {
  const files: InputFile[] = [];
  const notes: string[] = [];
  const verdicts = findVerdictFiles(req.verdictPaths).map((file) => {
    const bytes = readBytes(file, 'verdict');
    files.push({ path: file, kind: 'verdict', sha256: sha256(bytes) });
    return { file, ...checkEvidence(file, bytes, req.trust) };
  });
  const lint = req.lintFiles.map((file) => {
    const { findings, notApplicable, bytes } = readLintFile(file);
    files.push({ path: file, kind: 'lint', sha256: sha256(bytes) });
    return { file, findings, notApplicable };
  });
  const records = (list: string[], kind: 'promotion' | 'prune') =>
    list.flatMap((file) => {
      const bytes = readBytes(file, kind === 'promotion' ? 'promotion records' : 'prune plan or audit log');
      files.push({ path: file, kind, sha256: sha256(bytes) });
      return parseRecords(file, bytes.toString('utf8'), notes);
    });
  const promotions = records(req.promotionFiles, 'promotion').map((r) => checkPromotion(r, req.trust, notes));
  const prune = records(req.pruneFiles, 'prune');
  if (req.configFile)
    files.push({ path: req.configFile, kind: 'config', sha256: sha256(readBytes(req.configFile, 'config')) });
  const policies = loadPolicies(req.policyDirs, files, notes);
  return { verdicts, lint, policies, promotions, prune, controls: req.controls, files, notes };
}
