/**
 * Go's fmt.Sprintf for the values a gossfile template handles (decoded YAML: strings, numbers,
 * booleans, nil, lists, maps): verbs %v %s %q %d %b %o %O %x %X %c %U %e %E %f %F %g %G %t %T
 * and %%, flags `-+# 0`, width and precision (also `*`), and Go's error forms (`%!d(string=x)`,
 * `%!v(MISSING)`, `%!(EXTRA int=1)`). Whole numbers are Go `int`, others `float64`, as
 * yaml.v3 decodes them.
 */

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  zero: boolean;
  space: boolean;
  width?: number;
  prec?: number;
}

/** Go's %v of a decoded YAML value. */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloatOrInt(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o)
      .sort()
      .map((k) => `${k}:${goValue(o[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}

export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

function goFloatOrInt(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? String(n) : formatG(n, -1, false, false);
}

function bad(verb: string, v: unknown): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v)}=${goValue(v)})`;
}

/** Go's %e digits: mantissa with `prec` decimals (shortest when negative), exponent of 2+ digits. */
function formatE(n: number, prec: number, upper: boolean): string {
  if (!Number.isFinite(n)) return specialFloat(n, upper);
  const s = prec < 0 ? n.toExponential() : n.toExponential(prec);
  const [mant, exp] = s.split('e') as [string, string];
  const sign = exp.startsWith('-') ? '-' : '+';
  const digits = exp.replace(/^[+-]/, '').padStart(2, '0');
  const out = `${mant}e${sign}${digits}`;
  return upper ? out.toUpperCase() : out;
}

function specialFloat(n: number, upper: boolean): string {
  const s = Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  return upper ? s.toUpperCase() : s;
}

/** Go's %g: %e when the exponent is < -4 or >= the precision (6 for the shortest form). */
function formatG(n: number, prec: number, upper: boolean, sharp: boolean): string {
  if (!Number.isFinite(n)) return specialFloat(n, upper);
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const p = prec === 0 ? 1 : prec;
  const shortest = n.toExponential(p < 0 ? undefined : p - 1);
  const exp = Number(shortest.split('e')[1]);
  const digits = shortest.split('e')[0]!.replace(/[-.]/g, '').length;
  // strconv: the shortest form decides with precision 6; a given precision shrinks to the
  // digits there are when they all sit before the point.
  let eprec = p < 0 ? 6 : p;
  if (p >= 0 && eprec > digits && digits >= exp + 1) eprec = digits;
  if (exp < -4 || exp >= eprec) {
    let e = formatE(n, p < 0 ? -1 : p - 1, upper);
    if (!sharp) e = e.replace(/\.?0+(e)/i, '$1');
    return e;
  }
  // Fixed notation with the same significant digits.
  const decimals = Math.max(0, (p < 0 ? digits : p) - 1 - exp);
  let f = n.toFixed(decimals);
  if (!sharp && f.includes('.')) f = f.replace(/\.?0+$/, '');
  return f;
}

function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function withSign(body: string, neg: boolean, spec: Spec): string {
  return (neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '') + body;
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  const w = spec.width ?? 0;
  if (s.length >= w) return s;
  if (spec.minus) return s.padEnd(w, ' ');
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? s[0]! : '';
    const rest = sign ? s.slice(1) : s;
    const prefix = /^0[xXbo]/.test(rest) ? rest.slice(0, 2) : '';
    return sign + prefix + rest.slice(prefix.length).padStart(w - sign.length - prefix.length, '0');
  }
  return s.padStart(w, ' ');
}

function integer(n: number, verb: string, spec: Spec): string {
  const neg = n < 0;
  const abs = Math.abs(n);
  let body: string;
  switch (verb) {
    case 'b':
      body = abs.toString(2);
      if (spec.sharp) body = `0b${body}`;
      break;
    case 'o':
      body = abs.toString(8);
      if (spec.sharp) body = `0${body}`;
      break;
    case 'O':
      body = `0o${abs.toString(8)}`;
      break;
    case 'x':
      body = abs.toString(16);
      if (spec.sharp) body = `0x${body}`;
      break;
    case 'X':
      body = abs.toString(16).toUpperCase();
      if (spec.sharp) body = `0X${body}`;
      break;
    default:
      body = String(abs);
  }
  if (spec.prec !== undefined) body = body.padStart(spec.prec, '0');
  return pad(withSign(body, neg, spec), spec.prec === undefined ? spec : { ...spec, zero: false }, true);
}

function formatOne(verb: string, v: unknown, spec: Spec): string {
  const isInt = typeof v === 'number' && Number.isInteger(v);
  switch (verb) {
    case 'v':
      if (typeof v === 'number') return formatOne(isInt ? 'd' : 'g', v, spec);
      if (typeof v === 'string' && spec.sharp) return pad(quote(v), spec, false);
      return pad(goValue(v), spec, false);
    case 's':
      if (typeof v === 'string')
        return pad(spec.prec === undefined ? v : [...v].slice(0, spec.prec).join(''), spec, false);
      if (Array.isArray(v) || (typeof v === 'object' && v !== null)) return pad(goValue(v), spec, false);
      return bad(verb, v);
    case 'q':
      if (typeof v === 'string')
        return pad(spec.sharp && !v.includes('`') ? `\`${v}\`` : quote(v), spec, false);
      if (isInt) return pad(`'${String.fromCodePoint(v as number)}'`, spec, false);
      return bad(verb, v);
    case 't':
      return typeof v === 'boolean' ? pad(String(v), spec, false) : bad(verb, v);
    case 'd':
    case 'b':
    case 'o':
    case 'O':
      return isInt ? integer(v as number, verb, spec) : bad(verb, v);
    case 'X':
      if (typeof v === 'string') return pad(Buffer.from(v).toString('hex').toUpperCase(), spec, false);
      return isInt ? integer(v as number, verb, spec) : bad(verb, v);
    case 'x':
      if (isInt) return integer(v as number, verb, spec);
      if (typeof v === 'string') return pad(Buffer.from(v).toString('hex'), spec, false);
      return bad(verb, v);
    case 'c':
      return isInt ? pad(String.fromCodePoint(v as number), spec, false) : bad(verb, v);
    case 'U':
      return isInt
        ? pad(`U+${(v as number).toString(16).toUpperCase().padStart(4, '0')}`, spec, false)
        : bad(verb, v);
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      if (typeof v !== 'number' || isInt) return bad(verb, v);
      const neg = v < 0 || Object.is(v, -0);
      const a = Math.abs(v);
      let body: string;
      if (verb === 'e' || verb === 'E') body = formatE(a, spec.prec ?? 6, verb === 'E');
      else if (verb === 'f' || verb === 'F')
        body = Number.isFinite(a) ? a.toFixed(spec.prec ?? 6) : specialFloat(a, false);
      else body = formatG(a, spec.prec ?? -1, verb === 'G', spec.sharp);
      if (body.startsWith('+Inf')) body = body.slice(1);
      return pad(withSign(body, neg, spec), spec, Number.isFinite(a));
    }
    case 'T':
      return pad(goTypeName(v), spec, false);
    default:
      return bad(verb, v);
  }
}

export function goSprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  while (i < format.length) {
    const ch = format[i]!;
    if (ch !== '%') {
      out += ch;
      i++;
      continue;
    }
    i++;
    const spec: Spec = { minus: false, plus: false, sharp: false, zero: false, space: false };
    for (; i < format.length; i++) {
      const f = format[i];
      if (f === '-') spec.minus = true;
      else if (f === '+') spec.plus = true;
      else if (f === '#') spec.sharp = true;
      else if (f === '0') spec.zero = !spec.minus;
      else if (f === ' ') spec.space = true;
      else break;
    }
    const num = (): number | undefined => {
      if (format[i] === '*') {
        i++;
        const a = args[argi++];
        return typeof a === 'number' && Number.isInteger(a) ? a : undefined;
      }
      const m = /^\d+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    spec.width = num();
    if (spec.width !== undefined && spec.width < 0) {
      spec.minus = true;
      spec.width = -spec.width;
    }
    if (format[i] === '.') {
      i++;
      spec.prec = num() ?? 0;
    }
    const verb = format[i];
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    i++;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(verb, args[argi++], spec);
  }
  if (argi < args.length) {
    out += `%!(EXTRA ${args
      .slice(argi)
      .map((a) => `${goTypeName(a)}=${goValue(a)}`)
      .join(', ')})`;
  }
  return out;
}
