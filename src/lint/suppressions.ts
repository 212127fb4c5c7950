import type { Position, Template } from '../template/model.js';

/**
 * `# imagegate:ignore <id>[,<id>…] -- <reason>` (also `//`), in template files and in
 * provisioner scripts. A trailing comment covers findings on its own line; a comment alone on
 * its line covers the next line (and itself, for findings about the comment's line).
 */
export interface Suppression {
  ids: string[];
  reason?: string;
  /** True when nothing but the comment is on the line: it applies to the line below. */
  above: boolean;
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
      const above = line.slice(0, m.index).trim() === '';
      out.push({
        ids,
        reason,
        above,
        pos: { file, line: i + 1, column, endLine: i + 1, endColumn: line.length },
      });
    });
  }
  return out;
}

export function covers(s: Suppression, policy: string, pos: Position): boolean {
  if (s.pos.file !== pos.file || !s.ids.includes(policy)) return false;
  return pos.line === s.pos.line || (s.above && pos.line === s.pos.line + 1);
}
