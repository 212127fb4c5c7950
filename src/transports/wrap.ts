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

/** Printable ASCII except quote, backslash and percent passes through printf literally. */
const LITERAL = Array.from(
  { length: 256 },
  (_, b) => b >= 0x20 && b < 0x7f && b !== 0x27 && b !== 0x5c && b !== 0x25,
);
const OCTAL = Array.from({ length: 256 }, (_, b) => `\\${b.toString(8).padStart(3, '0')}`);

/**
 * A printf format that prints exactly `bytes`: printable ASCII stays literal, everything else
 * (quote, backslash, percent, newline, NUL, non-ASCII) becomes a three-digit octal escape, which
 * every POSIX printf understands. The result is safe inside single quotes. Literal runs are
 * copied as slices: per-byte string building made a 1 MB input cost half a second.
 */
export function printfEscape(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    if (LITERAL[b]) continue;
    if (i > start) parts.push(buf.toString('latin1', start, i));
    parts.push(OCTAL[b]!);
    start = i + 1;
  }
  if (start < buf.length) parts.push(buf.toString('latin1', start));
  return parts.join('');
}
