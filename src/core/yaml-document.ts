import { isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { UserError } from './errors.js';
import { formatBytes, readTextCapped } from './fs.js';
import { yamlHint } from './yaml-hints.js';

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

/**
 * Largest YAML input read (a suite, --vars, imagegate.yaml, a policy): the parser needs about
 * 2.5 s per MiB of block YAML, and real files are a few KiB.
 */
export const MAX_YAML_BYTES = 1 << 20;

/** YAML alias expansions allowed per document (the `yaml` library's default, made explicit). */
export const MAX_YAML_ALIASES = 100;

export function readYamlFile(file: string, exitCode = 2): YamlFile {
  const text = readTextCapped(file, MAX_YAML_BYTES, exitCode);
  return parseYamlText(file, text, exitCode);
}

export function parseYamlText(file: string, text: string, exitCode = 2): YamlFile {
  if (Buffer.byteLength(text) > MAX_YAML_BYTES) {
    throw new UserError(
      `${file}: YAML text is larger than the limit of ${formatBytes(MAX_YAML_BYTES)} (see docs/suites.md#limits)`,
      exitCode,
    );
  }
  const nul = text.indexOf('\0');
  if (nul !== -1) {
    const before = text.slice(0, nul);
    const line = before.split('\n').length;
    const column = nul - before.lastIndexOf('\n');
    throw new UserError(
      `${file}:${line}:${column}: invalid YAML: a NUL byte is not allowed in YAML text`,
      exitCode,
    );
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    const reason = (first.message.split('\n')[0] ?? first.message).replace(/\.$/, '');
    const hint = yamlHint(text, { code: first.code, message: reason, line, column: col });
    throw new UserError(
      `${file}:${line}:${col}: invalid YAML: ${reason}${hint ? `; ${hint}` : ''}`,
      exitCode,
    );
  }
  const warnings: YamlFile['warnings'] = [];
  collectDuplicateKeys(doc.contents, lineCounter, warnings);
  // Key index per map node, built on first use: a suite with N resources is located N times,
  // and a linear search per lookup made a 3 MB suite take minutes.
  const keyIndex = new WeakMap<object, Map<string, { key: unknown; value: unknown }>>();
  const pairOf = (map: { items: { key: unknown; value: unknown }[] }, key: string) => {
    let index = keyIndex.get(map);
    if (!index) {
      index = new Map();
      for (const p of map.items) {
        const k = String((p.key as { value?: unknown })?.value ?? p.key);
        if (!index.has(k)) index.set(k, p);
      }
      keyIndex.set(map, index);
    }
    return index.get(key);
  };
  const locate = (pointer: string) => {
    const path = pointer
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    let node: unknown = doc.contents;
    let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
    for (const key of path) {
      if (isMap(node)) {
        const pair = pairOf(node, key);
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
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    // The yaml library throws a ReferenceError for an alias bomb ("billion laughs").
    if (!(err instanceof ReferenceError)) throw err;
    throw new UserError(
      `${file}: invalid YAML: aliases expand more than ${MAX_YAML_ALIASES} times (an alias bomb?); refusing to expand it`,
      exitCode,
    );
  }
  return { file, data, locate, warnings };
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
