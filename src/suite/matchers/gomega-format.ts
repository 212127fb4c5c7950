import { goSprintf, goTypeName, goValue } from '../go-printf.js';
import { isRecord } from './core.js';

/**
 * gomega's format.Object, which goss puts into its matcher errors
 * ("ContainElements matcher expects an array/slice/map.  Got:\n    <string>: foo"), for the
 * values a fact or a decoded gossfile holds. A multi-line string at the first level keeps its
 * lines, each continued at the same indent; deeper strings are Go-quoted.
 */
const INDENT = '    ';
const LONG_FORM = 20;

export function gomegaObject(v: unknown, indentation = 1): string {
  return `${INDENT.repeat(indentation)}<${gomegaType(v)}>: ${gomegaValue(v, indentation)}`;
}

function gomegaType(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return `[]interface {} | len:${v.length}, cap:${v.length}`;
  if (isRecord(v)) return `map[string]interface {} | len:${Object.keys(v).length}`;
  return goTypeName(v);
}

function gomegaValue(v: unknown, indentation: number): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') {
    return indentation === 1 ? v.split('\n').join(`\n${INDENT}`) : goSprintf('%q', [v]);
  }
  if (Array.isArray(v))
    return long(
      v.map((x) => gomegaValue(x, indentation + 1)),
      '[',
      ']',
      indentation,
    );
  if (isRecord(v)) {
    // Go ranges a map in random order; sorted keys keep the text stable.
    const items = Object.keys(v)
      .sort()
      .map((k) => `${goSprintf('%q', [k])}: ${gomegaValue(v[k], indentation + 1)}`);
    return long(items, '{', '}', indentation);
  }
  return goValue(v);
}

function long(items: string[], open: string, close: string, indentation: number): string {
  if (!items.some((s) => s.length > LONG_FORM)) return `${open}${items.join(', ')}${close}`;
  const outer = INDENT.repeat(indentation);
  return `${open}\n${outer}${INDENT}${items.join(`,\n${outer}${INDENT}`)},\n${outer}${close}`;
}
