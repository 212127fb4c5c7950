/** Shorter values are not redacted: masking every "a" or "12" would garble the evidence itself. */
export const MIN_SECRET_LENGTH = 4;

export const REDACTED = '[REDACTED]';

/**
 * A deep copy of `value` with every occurrence of each secret replaced, in strings and object
 * keys alike. Pure: JSON-shaped data in, JSON-shaped data out.
 */
export function redact<T>(secrets: readonly string[], value: T): T {
  const masks = [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH))].sort(
    (a, b) => b.length - a.length,
  );
  if (masks.length === 0) return value;
  const text = (s: string) => masks.reduce((acc, m) => acc.split(m).join(REDACTED), s);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [text(k), walk(x)]));
    return v;
  };
  return walk(value) as T;
}
