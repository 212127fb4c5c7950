/**
 * Every transport feeds `sh -s` one program on its standard input. The user's script runs in a
 * subshell whose stdin is either /dev/null or the exact bytes the caller passed, so a command
 * inside the script that reads stdin can never swallow the rest of the script: the shell parses
 * the whole compound command (script and input) before running any of it.
 */

/** Bytes per `printf` line: keeps lines short for shells with line-length limits. */
const CHUNK = 4096;

export function wrapScript(script: string, stdin?: string | Buffer): string {
  const body = script.endsWith('\n') ? script : `${script}\n`;
  if (stdin === undefined || stdin.length === 0) return `(\n${body}) </dev/null\n`;
  const bytes = typeof stdin === 'string' ? Buffer.from(stdin, 'utf8') : stdin;
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK)
    lines.push(`printf '${printfEscape(bytes.subarray(i, i + CHUNK))}'`);
  return `{\n${lines.join('\n')}\n} | (\n${body})\n`;
}

/**
 * A printf format that prints exactly `bytes`: printable ASCII stays literal, everything else
 * (quote, backslash, percent, newline, NUL, non-ASCII) becomes a three-digit octal escape, which
 * every POSIX printf understands. The result is safe inside single quotes.
 */
export function printfEscape(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    const literal = b >= 0x20 && b < 0x7f && b !== 0x27 && b !== 0x5c && b !== 0x25;
    out += literal ? String.fromCharCode(b) : `\\${b.toString(8).padStart(3, '0')}`;
  }
  return out;
}

/** Single-quote a word for POSIX sh. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
