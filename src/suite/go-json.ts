/**
 * Go's encoding/json for decoded YAML values: map keys in sorted order (Go sorts map keys,
 * JavaScript keeps insertion order), and `<`, `>`, `&` escaped unless `escapeHtml` is false
 * (goss's matcher output uses an Encoder with SetEscapeHTML(false); Sprig's toJson escapes).
 * `struct` names keys that hold Go struct fields: their order is kept, their values are maps.
 */
export function goJson(
  v: unknown,
  opts: { indent?: string; escapeHtml?: boolean; struct?: ReadonlySet<string> } = {},
): string {
  const sortKeys = (x: unknown, keepOrder: boolean): unknown => {
    if (Array.isArray(x)) return x.map((e) => sortKeys(e, keepOrder));
    if (x && typeof x === 'object') {
      const keys = keepOrder ? Object.keys(x) : Object.keys(x).sort();
      return Object.fromEntries(
        keys.map((k) => [k, sortKeys((x as Record<string, unknown>)[k], keepOrder && !!opts.struct?.has(k))]),
      );
    }
    return x;
  };
  const out = JSON.stringify(sortKeys(v, !!opts.struct) ?? null, null, opts.indent) ?? 'null';
  if (opts.escapeHtml === false) return out;
  return out.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
