/**
 * One line saying what to do about a YAML syntax error. The parser's messages name the rule
 * ("Nested mappings are not allowed in compact mappings") but not the usual mistake behind it:
 * a stray indent, a tab, a value holding `: `, a key without its colon.
 */

interface At {
  /** The parser's error code (yaml's `YAMLError.code`). */
  code: string;
  message: string;
  /** 1-based. */
  line: number;
  column: number;
}

const indentOf = (text: string): number => /^ */.exec(text)?.[0].length ?? 0;
const blank = (text: string | undefined): boolean => text === undefined || /^\s*(#.*)?$/.test(text);
const keyOf = (text: string): string | undefined => /^\s*(?:-\s+)?([^\s:#][^:#]*?):(?:\s|$)/.exec(text)?.[1];

/** The nearest non-blank line before `index` (0-based), with its index. */
function previous(lines: readonly string[], index: number, below?: number): number | undefined {
  for (let i = index - 1; i >= 0; i--) {
    const text = lines[i]!;
    if (blank(text)) continue;
    if (below === undefined || indentOf(text) < below) return i;
  }
  return undefined;
}

function next(lines: readonly string[], index: number): number | undefined {
  for (let i = index + 1; i < lines.length; i++) if (!blank(lines[i])) return i;
  return undefined;
}

const quoted = (key: string | undefined) => (key ? `"${key}:"` : 'the line');

export function yamlHint(text: string, at: At): string | undefined {
  const lines = text.split(/\r?\n/);
  const i = at.line - 1;
  const here = lines[i] ?? '';
  switch (at.code) {
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs (YAML forbids tabs in indentation; 2 spaces per level is usual)';
    case 'BAD_INDENT': {
      if (/flow (map|sequence|collection)/i.test(at.message))
        return 'a { … } or [ … ] opened above is not closed: close it, or write the entries as an indented block';
      const prev = previous(lines, i);
      if (prev === undefined) return undefined;
      const parent = previous(lines, i, indentOf(here));
      const siblings = indentOf(lines[prev]!);
      return (
        `line ${at.line} starts at column ${indentOf(here) + 1} but the keys it continues start at column ${siblings + 1}` +
        (parent !== undefined ? ` (under ${quoted(keyOf(lines[parent]!))} on line ${parent + 1})` : '') +
        `: indent it to column ${siblings + 1}, or to the column of the mapping it belongs to`
      );
    }
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY': {
      const after = next(lines, i);
      const key = keyOf(here);
      if (after !== undefined && indentOf(lines[after]!) > indentOf(here) && key !== undefined) {
        const value = here.slice(here.indexOf(':') + 1).trim();
        if (value !== '' && !value.startsWith('#'))
          return (
            `${quoted(key)} on line ${at.line} already has a value, yet line ${after + 1} is indented under it: ` +
            `start line ${after + 1} at the column of ${quoted(key)}, or move that value onto indented lines of its own`
          );
      }
      if (key === undefined && at.code === 'MULTILINE_IMPLICIT_KEY')
        return `line ${at.line} is not "key: value": add the ":" after the key, or indent it as part of the value above`;
      const rest = here.slice(Math.max(0, at.column - 1));
      if (/:(\s|$)/.test(rest))
        return (
          'this value contains ": ", which starts a nested mapping: quote the value ("…") if it is text, ' +
          'or put the nested key on its own line, indented under its parent'
        );
      const prev = previous(lines, i);
      if (prev !== undefined && indentOf(here) > indentOf(lines[prev]!))
        return `line ${at.line} is indented deeper than line ${prev + 1} but line ${prev + 1} does not end with ":": line them up, or end line ${prev + 1} with ":"`;
      return 'keys of one mapping must line up in one column, and a nested mapping starts on its own line after "key:"';
    }
    case 'UNEXPECTED_TOKEN': {
      // `repository: host/{image}` inside { … }: the brace opens a mapping in the middle of a value.
      const ch = here[at.column - 1];
      if ((ch === '{' || ch === '[') && /\S/.test(here[at.column - 2] ?? ''))
        return `quote the value holding "${ch}" ("…"): inside { … } or [ … ] a plain value cannot contain ${ch === '{' ? '{ }' : '[ ]'}`;
      return undefined;
    }
    case 'BAD_SCALAR_START':
      return 'quote the value ("…"): a plain value cannot start with @ or `';
    case 'MISSING_CHAR':
      return /quote/i.test(at.message)
        ? 'close the quote on the line where the value ends (or use a block scalar "|" for multi-line text)'
        : 'close the bracket or quote opened before this position';
    default:
      return undefined;
  }
}
