/**
 * YAML as goss writes it (`goss add`, `goss render`): gopkg.in/yaml.v3's Marshal — block style,
 * 4-space indent, sequences indented under their key, map keys in yaml.v3's natural order,
 * strings quoted only where a plain scalar would read as something else. Struct fields keep
 * their declared order: pass them as a YamlMap.
 */

/** An ordered mapping (a Go struct, or a map whose keys are already sorted). */
export class YamlMap {
  constructor(readonly entries: [string, YamlValue][]) {}
}

export type YamlValue = null | undefined | boolean | number | string | YamlValue[] | YamlMap | object;

const INDENT = 4;

/** yaml.v3's Marshal output for `v`, final newline included. */
export function goYaml(v: YamlValue): string {
  const node = toNode(v);
  if (node instanceof YamlMap) {
    if (node.entries.length === 0) return '{}\n';
    return `${mapLines(node, 0).join('\n')}\n`;
  }
  if (Array.isArray(node)) {
    if (node.length === 0) return '[]\n';
    return `${seqLines(node, 0).join('\n')}\n`;
  }
  const s = scalar(node);
  if (typeof s === 'string') return `${s}\n`;
  return `${s.header}\n${blockBody(s.body, INDENT).join('\n')}\n`;
}

/** A plain object becomes a YamlMap with yaml.v3's key order (Go maps have none of their own). */
function toNode(v: YamlValue): YamlValue {
  if (v instanceof YamlMap || Array.isArray(v) || v === null || v === undefined || typeof v !== 'object')
    return v;
  const keys = Object.keys(v).sort((a, b) => (goYamlKeyLess(a, b) ? -1 : goYamlKeyLess(b, a) ? 1 : 0));
  return new YamlMap(keys.map((k) => [k, (v as Record<string, YamlValue>)[k]]));
}

function isCollection(v: YamlValue): v is YamlMap | YamlValue[] {
  return v instanceof YamlMap || Array.isArray(v);
}

function isEmptyCollection(v: YamlValue): boolean {
  return (v instanceof YamlMap && v.entries.length === 0) || (Array.isArray(v) && v.length === 0);
}

/**
 * yaml.v3's indentation (emitterc.go yaml_emitter_increase_indent): a collection or block
 * scalar inside a sequence item sits 2 past the dash; anything else aligns to the next multiple
 * of the 4-space indent. So `key:` at 0 has its list's dashes at 4, and a map inside a list
 * item continues at dash + 2.
 */
function childIndent(parent: number, inSequenceItem: boolean): number {
  return inSequenceItem ? parent + 2 : INDENT * Math.floor((parent + INDENT) / INDENT);
}

function mapLines(map: YamlMap, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  for (const [k, raw] of map.entries) {
    const v = toNode(raw);
    const key = `${pad}${keyText(k)}:`;
    const inner = childIndent(indent, false);
    if (isCollection(v) && !isEmptyCollection(v)) {
      out.push(key);
      out.push(...(v instanceof YamlMap ? mapLines(v, inner) : seqLines(v, inner)));
    } else {
      const s = scalar(v);
      if (typeof s === 'string') out.push(`${key} ${s}`);
      else out.push(`${key} ${s.header}`, ...blockBody(s.body, inner));
    }
  }
  return out;
}

/** Items with their dash at `indent`; a nested collection starts on the dash's line. */
function seqLines(seq: YamlValue[], indent: number): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  for (const raw of seq) {
    const v = toNode(raw);
    const inner = childIndent(indent, true);
    if (isCollection(v) && !isEmptyCollection(v)) {
      const lines = v instanceof YamlMap ? mapLines(v, inner) : seqLines(v, inner);
      out.push(`${pad}- ${lines[0]!.slice(inner)}`, ...lines.slice(1));
    } else {
      const s = scalar(v);
      if (typeof s === 'string') out.push(`${pad}- ${s}`);
      else out.push(`${pad}- ${s.header}`, ...blockBody(s.body, inner));
    }
  }
  return out;
}

/** A literal block's lines at `indent`; empty lines stay empty. */
function blockBody(body: string[], indent: number): string[] {
  return body.map((l) => (l === '' ? '' : `${' '.repeat(indent)}${l}`));
}

type Scalar = string | { header: string; body: string[] };

function scalar(v: YamlValue): Scalar {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return '[]';
  if (v instanceof YamlMap) return '{}';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'string') return stringScalar(v);
  return '{}';
}

/** yaml.v3 writes numbers with strconv.FormatFloat(f, 'g', -1, 64); ints as ints. */
export function goFloat(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (n === Number.POSITIVE_INFINITY) return '.inf';
  if (n === Number.NEGATIVE_INFINITY) return '-.inf';
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return BigInt(n).toString();
  // Go's %g with the shortest precision: exponent form when exp < -4 or exp >= 6.
  const [mant, expText] = n.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(n);
}

function keyText(k: string): string {
  const s = stringScalar(k);
  return typeof s === 'string' ? s : doubleQuoted(k);
}

const OLD_BOOLS = new Set('y Y yes Yes YES on On ON n N no No NO off Off OFF'.split(' '));

/** Whether yaml.v3 would resolve this plain text to something other than a string. */
function resolvesToNonString(s: string): boolean {
  if (['', '~', 'null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', '<<'].includes(s))
    return true;
  if (/^[-+]?\.(inf|Inf|INF)$/.test(s) || /^\.(nan|NaN|NAN)$/.test(s)) return true;
  if (!/^[-+.0-9]/.test(s)) return false;
  if (/^[-+]?(0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*)$/.test(s)) return true;
  if (/^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$/.test(s)) return true;
  // Timestamps (yaml.v3 decodes them as time.Time) and YAML 1.1 base-60 floats.
  if (/^\d{4}-\d\d?-\d\d?([Tt ].*)?$/.test(s)) return true;
  return /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/.test(s);
}

function stringScalar(s: string): Scalar {
  if (s.includes('\n') && blockAllowed(s)) return literal(s);
  if (s.includes('\n')) return doubleQuoted(s);
  if (resolvesToNonString(s) || OLD_BOOLS.has(s)) return doubleQuoted(s);
  if (hasSpecial(s)) return doubleQuoted(s);
  if (plainAllowed(s)) return s;
  return `'${s.replace(/'/g, "''")}'`;
}

/** Characters libyaml will not write raw: controls (but tab), DEL, BOM, unpaired surrogates. */
function hasSpecial(s: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what we look for
  return /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufeff\ud800-\udfff]/.test(s) && !isWellFormed(s);
}

function isWellFormed(s: string): boolean {
  // Paired surrogates are fine; anything else listed above is special.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: see hasSpecial
  return !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(
    s,
  );
}

/** libyaml's yaml_emitter_analyze_scalar, for a one-line scalar in block context. */
function plainAllowed(s: string): boolean {
  if (s === '') return false;
  if (s.startsWith('---') || s.startsWith('...')) return false;
  if (/^[ \t]|[ \t]$/.test(s)) return false;
  const blank = (c: string | undefined) => c === undefined || c === ' ' || c === '\t';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const followedByBlank = blank(s[i + 1]);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) return false;
      if ((c === '?' || c === ':' || c === '-') && followedByBlank) return false;
    } else {
      if (c === ':' && followedByBlank) return false;
      if (c === '#' && blank(s[i - 1])) return false;
    }
    if (c === '\t') return false;
  }
  return true;
}

/** A literal block is possible unless a line ends in a space or the text has special characters. */
function blockAllowed(s: string): boolean {
  return !/ \n|[ ]$/.test(s) && !/\t/.test(s) && isWellFormed(s);
}

function literal(s: string): { header: string; body: string[] } {
  const trailing = /\n+$/.exec(s)?.[0].length ?? 0;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const indicator = s.startsWith(' ') || s.startsWith('\n') ? String(INDENT) : '';
  const body = (trailing > 0 ? s.slice(0, -1) : s).split('\n');
  return { header: `|${indicator}${chomp}`, body };
}

function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c === 0) out += '\\0';
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
      out += `\\x${c.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (c === 0xfeff) out += '\\uFEFF';
    else out += ch;
  }
  return `${out}"`;
}

/**
 * yaml.v3's map key order (sorter.go keyList.Less): numbers by value, then strings compared
 * rune by rune, with runs of digits compared as numbers ("tcp:80" < "tcp:9999" < "tcp6:80").
 */
export function goYamlKeyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  const isDigit = (c: string) => c >= '0' && c <= '9';
  const isLetter = (c: string) => /\p{L}/u.test(c);
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) {
      digits = isDigit(ar[i]!);
      continue;
    }
    const al = isLetter(ar[i]!);
    const bl = isLetter(br[i]!);
    if (al && bl) return ar[i]! < br[i]!;
    if (al || bl) return digits ? al : bl;
    let an = 0;
    let bn = 0;
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]!); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]!); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && isDigit(br[bi]!); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i]! < br[i]!;
  }
  return ar.length < br.length;
}
