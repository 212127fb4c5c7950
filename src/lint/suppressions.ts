import type { Position, Template } from '../template/model.js';

/**
 * `# imagegate:ignore <id>[,<id>…] -- <reason>` (also `//`), in template files and in
 * provisioner scripts. It covers findings that start on its own line (trailing comment) or on
 * the next line (comment above).
 */
export interface Suppression {
  ids: string[];
  reason?: string;
  pos: Position;
}

const MARKER = /(?:#|\/\/)\s*imagegate:ignore\b(.*)$/;

export function findSuppressions(template: Template): Suppression[] {
  const out: Suppression[] = [];
  for (const [file, text] of Object.entries(template.text)) {
    if (!text.includes('imagegate:ignore')) continue;
    const lines = text.split(/\r?\n/);
    lines.forEach((line, i) => {
      const m = MARKER.exec(line);
      if (!m) return;
      const rest = m[1] ?? '';
      const sep = rest.indexOf('--');
      const idsText = sep === -1 ? rest : rest.slice(0, sep);
      const reason = sep === -1 ? undefined : rest.slice(sep + 2).trim() || undefined;
      const ids = idsText
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const column = m.index + 1;
      out.push({ ids, reason, pos: { file, line: i + 1, column, endLine: i + 1, endColumn: line.length } });
    });
  }
  return out;
}

export function covers(s: Suppression, policy: string, pos: Position): boolean {
  return (
    s.pos.file === pos.file &&
    (pos.line === s.pos.line || pos.line === s.pos.line + 1) &&
    s.ids.includes(policy)
  );
}
