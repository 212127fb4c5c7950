/**
 * Promotion records, prune plans and audit logs are defined elsewhere and still evolving, so the
 * report reads them by common field names instead of a fixed schema: whatever names the subject,
 * the time, the action, the outcome and the reason.
 */
import type { RecordRow, SourcedRecord } from './types.js';

const SUBJECT_KEYS = [
  'artifact',
  'artifactId',
  'imageId',
  'image',
  'ami',
  'amiId',
  'id',
  'digest',
  'reference',
];
const AT_KEYS = ['at', 'ts', 'time', 'timestamp', 'date', 'createdAt', 'generatedAt'];
const ACTION_KEYS = ['action', 'decision', 'op', 'operation', 'event', 'stage'];
const STATUS_KEYS = ['status', 'result', 'outcome', 'state'];
const DETAIL_KEYS = ['detail', 'reason', 'reasons', 'message', 'error', 'note'];

export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const parts = value.map(scalarText).filter((s): s is string => s !== undefined);
    return parts.length > 0 ? parts.join('; ') : undefined;
  }
  if (value && typeof value === 'object') {
    // Structured reasons such as retention's `{code, detail}`.
    const o = value as Record<string, unknown>;
    const parts = ['code', 'detail', 'message']
      .map((k) => o[k])
      .filter((v): v is string => typeof v === 'string' && v !== '');
    return parts.length > 0 ? parts.join(': ') : undefined;
  }
  return undefined;
}

export function pick(record: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const text = scalarText(record[k]);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** Every string a record uses to name what it is about (an object `artifact` contributes its ids). */
export function subjectsOf(record: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of SUBJECT_KEYS) {
    const v = record[k];
    if (typeof v === 'string' && v !== '') out.push(v);
    else if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const inner of ['id', 'digest', 'reference', 'imageId']) {
        const s = (v as Record<string, unknown>)[inner];
        if (typeof s === 'string' && s !== '') out.push(s);
      }
    }
  }
  return out;
}

/** Regions a record names: its own, its artifact's, and those of the images a promotion made. */
export function regionsOf(record: Record<string, unknown>): string[] {
  const out: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string' && v !== '') out.push(v);
    else if (Array.isArray(v)) for (const r of v) if (typeof r === 'string' && r !== '') out.push(r);
  };
  for (const k of ['region', 'regions', 'targetRegion', 'toRegion']) add(record[k]);
  add(asObject(record.artifact)?.region);
  const images = asObject(record.aws)?.images;
  if (Array.isArray(images)) for (const img of images) add(asObject(img)?.region);
  return out;
}

/** The registry digest a promotion pushed the image as (`imagegate promote` records). */
export function pushedDigestOf(record: Record<string, unknown>): string | undefined {
  const digest = asObject(record.registry)?.digest;
  return typeof digest === 'string' && digest !== '' ? digest : undefined;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** What a promotion produced, for records shaped like `imagegate promote` writes them. */
function producedText(r: Record<string, unknown>): string | undefined {
  const reg = asObject(r.registry);
  if (reg && typeof reg.repository === 'string') {
    const tags = Array.isArray(reg.tags) && reg.tags.length > 0 ? ` (${reg.tags.join(', ')})` : '';
    return `${reg.repository}${typeof reg.digest === 'string' ? `@${reg.digest}` : ''}${tags}`;
  }
  const images = asObject(r.aws)?.images;
  if (Array.isArray(images) && images.length > 0) {
    const where = images
      .map(asObject)
      .filter((i): i is Record<string, unknown> => i !== undefined)
      .map((i) => [i.account, i.region, i.imageId].filter((x) => typeof x === 'string').join('/'));
    return `${images.length} image${images.length === 1 ? '' : 's'}: ${where.join(', ')}`;
  }
  return undefined;
}

function statusOf(r: Record<string, unknown>): string | undefined {
  const s = pick(r, STATUS_KEYS);
  if (s !== undefined) return s;
  if (typeof r.ok === 'boolean') return r.ok ? 'ok' : 'failed';
  return undefined;
}

export function recordRow(src: SourcedRecord): RecordRow {
  const r = src.record;
  const where = [pick(r, ['account', 'accountId']), pick(r, ['region'])].filter(Boolean).join(' ');
  const subject = subjectsOf(r)[0];
  const detail = [pick(r, DETAIL_KEYS) ?? producedText(r), where ? `(${where})` : undefined]
    .filter(Boolean)
    .join(' ');
  return {
    source: src.item ? `${src.file} item ${src.line}` : `${src.file}:${src.line}`,
    at: pick(r, AT_KEYS),
    subject,
    action: pick(r, ACTION_KEYS),
    status: statusOf(r),
    detail: detail === '' ? undefined : detail,
  };
}

/** `sha256:abc…` and `abc…` name the same image; compare without the algorithm prefix. */
export function normalizeId(id: string): string {
  return id.replace(/^sha256:/, '');
}
