/**
 * Go's encoding/json for decoded YAML values: map keys in sorted order (Go sorts map keys,
 * JavaScript keeps insertion order), and `<`, `>`, `&` escaped unless `escapeHtml` is false
 * (goss's matcher output uses an Encoder with SetEscapeHTML(false); Sprig's toJson escapes).
 */
export function goJson(v: unknown, opts: { indent?: string; escapeHtml?: boolean } = {}): string {
  const sortKeys = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sortKeys);
    if (x && typeof x === 'object')
      return Object.fromEntries(
        Object.keys(x)
          .sort()
          .map((k) => [k, sortKeys((x as Record<string, unknown>)[k])]),
      );
    return x;
  };
  const out = JSON.stringify(sortKeys(v) ?? null, null, opts.indent) ?? 'null';
  if (opts.escapeHtml === false) return out;
  return out.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
