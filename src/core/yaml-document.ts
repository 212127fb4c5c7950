import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { UserError } from './errors.js';

/**
 * A YAML (or JSON) file parsed with positions, so schema errors can name file, line and key.
 * Used for imagegate.yaml, policies and suites alike.
 */
export interface YamlFile {
  file: string;
  data: unknown;
  /** 1-based line:col of the node at a JSON pointer (`/images/web/template`), or the closest parent. */
  locate(pointer: string): { line: number; column: number };
  /** Duplicate-key and other non-fatal warnings, already positioned. */
  warnings: { message: string; line: number; column: number }[];
}

export function readYamlFile(file: string, exitCode = 2): YamlFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(
      `${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      exitCode,
    );
  }
  return parseYamlText(file, text, exitCode);
}

export function parseYamlText(file: string, text: string, exitCode = 2): YamlFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    const reason = first.message.split('\n')[0] ?? first.message;
    throw new UserError(`${file}:${line}:${col}: invalid YAML: ${reason}`, exitCode);
  }
  const warnings: YamlFile['warnings'] = [];
  collectDuplicateKeys(doc.contents, lineCounter, warnings);
  const locate = (pointer: string) => {
    const path = pointer
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    let node: unknown = doc.contents;
    let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => String((p.key as { value?: unknown })?.value ?? p.key) === key);
        if (!pair) break;
        offset = (pair.key as Node | null)?.range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(key)] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else break;
    }
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  return { file, data: doc.toJS({ maxAliasCount: 100 }), locate, warnings };
}

function collectDuplicateKeys(node: unknown, lc: LineCounter, out: YamlFile['warnings']): void {
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = String((pair.key as { value?: unknown })?.value ?? pair.key);
      if (seen.has(key)) {
        const { line, col } = lc.linePos((pair.key as Node | null)?.range?.[0] ?? 0);
        out.push({ message: `duplicate key "${key}": the last one wins`, line, column: col });
      }
      seen.add(key);
      collectDuplicateKeys(pair.value, lc, out);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) collectDuplicateKeys(item, lc, out);
  }
}
