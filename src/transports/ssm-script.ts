import { gunzipSync } from 'node:zlib';
import { EXEC_TOKEN_VAR, isExecToken, KILL_TAGGED } from './kill-script.js';

/**
 * The shell side of the SSM transport, pure so every byte of it is unit-tested.
 *
 * SSM returns at most 24,000 characters of a command's stdout inline (GetCommandInvocation's
 * StandardOutputContent), and a collector's output is often larger. So the run command does not
 * print the script's output: it saves stdout and stderr to a private directory on the host,
 * gzips them (when gzip exists) and prints a header plus the first chunk, base64-encoded (hex via
 * `od` when base64 is missing). Each further chunk is one more short command that reads a slice
 * of that file by offset. The header carries exact sizes, so a truncated or missing chunk is an
 * error, never a silently short result. The directory is removed as soon as the last chunk is read.
 *
 * The script travels inside a quoted here-document whose delimiter holds a random token, so its
 * text is data to the outer shell: nothing in it is expanded, and it cannot end the document
 * early (the delimiter is checked not to occur in it).
 */

/** SSM's inline stdout limit, in characters. */
export const SSM_INLINE_LIMIT = 24_000;

/**
 * Raw bytes per chunk for each encoding, chosen so one encoded chunk plus framing stays under the
 * inline limit: base64 wraps 76 chars per line (16,000 B → 21,616 chars); `od -An -v -tx1`
 * prints 16 bytes per 49-char line (7,000 B → 21,462 chars).
 */
export const CHUNK_BYTES = { b: 16_000, x: 7_000 } as const;
export type ChunkEncoding = keyof typeof CHUNK_BYTES;

const HEADER = 'IMAGEGATE-SSM';
const END = 'IMAGEGATE-SSM-END';

export function workDir(token: string): string {
  checkToken(token);
  return `/tmp/.imagegate-ssm-${token}`;
}

/** Shell functions shared by the run and chunk commands: `_igenc` and the chunk size `_ign`. */
const ENCODER = `if command -v base64 >/dev/null 2>&1; then _igx=b; _ign=${CHUNK_BYTES.b}; _igenc() { base64; }
else _igx=x; _ign=${CHUNK_BYTES.x}; _igenc() { od -An -v -tx1; }; fi
_igchunk() { dd if="$d/p" bs="$_ign" skip="$1" count=1 2>/dev/null | _igenc; }`;

/**
 * The one command that runs `wrapped` (a program for `sh`, see wrap.ts) on the host and prints
 * the header and first chunk of its output.
 */
export function runCommand(token: string, wrapped: string): string {
  const dir = workDir(token);
  const delimiter = `IMAGEGATE_SCRIPT_${token}`;
  if (wrapped.split('\n').includes(delimiter)) throw new Error('script contains the here-document delimiter');
  const body = wrapped.endsWith('\n') ? wrapped : `${wrapped}\n`;
  return `d=${dir}
umask 077
mkdir "$d" || { echo "imagegate: cannot create $d" >&2; exit 97; }
echo $$ >"$d/pid"
cat >"$d/s" <<'${delimiter}'
${body}${delimiter}
${EXEC_TOKEN_VAR}=${token} sh "$d/s" >"$d/o" 2>"$d/e" </dev/null
rc=$?
${ENCODER}
if command -v gzip >/dev/null 2>&1; then _igz=z; cat "$d/o" "$d/e" | gzip -c >"$d/p"; else _igz=n; cat "$d/o" "$d/e" >"$d/p"; fi
printf '${HEADER} 1 %s %s %s %s %s %s\\n' "$rc" "$_igz" "$_igx" $(($(wc -c <"$d/o"))) $(($(wc -c <"$d/e"))) $(($(wc -c <"$d/p")))
_igchunk 0
printf '${END}\\n'
[ "$(($(wc -c <"$d/p")))" -gt "$_ign" ] || rm -rf "$d"
exit 0
`;
}

/** A command printing chunk `index` (0-based) of the packed output of run `token`. */
export function chunkCommand(token: string, index: number): string {
  if (!Number.isInteger(index) || index < 0) throw new Error(`bad chunk index ${index}`);
  return `d=${workDir(token)}
[ -f "$d/p" ] || { echo "imagegate: $d/p is gone" >&2; exit 97; }
${ENCODER}
printf '${HEADER}-CHUNK %s\\n' ${index}
_igchunk ${index}
printf '${END}\\n'
`;
}

/** Remove a run's directory; with `kill`, first kill every process the run started. */
export function cleanupCommand(token: string, kill: boolean): string {
  const dir = workDir(token);
  // The run command's own shell is not tagged (its environment was fixed when it started): kill
  // it first by the pid it wrote, or it goes on writing into the directory being removed.
  const killer = kill
    ? `[ -f ${dir}/pid ] && read -r _igp <${dir}/pid && kill -9 "$_igp" 2>/dev/null\nset -- ${token}\n${KILL_TAGGED.replace(/exit 0\n$/, '')}`
    : '';
  return `${killer}rm -rf ${dir}\nexit 0\n`;
}

export interface RunHeader {
  exitCode: number;
  gzip: boolean;
  encoding: ChunkEncoding;
  stdoutBytes: number;
  stderrBytes: number;
  packedBytes: number;
  /** The first chunk, decoded. */
  first: Buffer;
}

/** Parse the run command's stdout; throws with a one-line reason when it is not complete. */
export function parseRunOutput(text: string): RunHeader {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`${HEADER} `));
  const m = at < 0 ? null : /^IMAGEGATE-SSM 1 (\d+) ([zn]) ([bx]) (\d+) (\d+) (\d+)$/.exec(lines[at]!);
  if (!m) throw new Error('the command printed no imagegate header (was the output cut short?)');
  const encoding = m[3] as ChunkEncoding;
  const header = {
    exitCode: Number(m[1]),
    gzip: m[2] === 'z',
    encoding,
    stdoutBytes: Number(m[4]),
    stderrBytes: Number(m[5]),
    packedBytes: Number(m[6]),
  };
  const first = decodeBody(lines.slice(at + 1), encoding, 'chunk 0');
  const expected = Math.min(header.packedBytes, CHUNK_BYTES[encoding]);
  if (first.length !== expected) throw new Error(`chunk 0 has ${first.length} bytes, expected ${expected}`);
  return { ...header, first };
}

/** Parse one chunk command's stdout. */
export function parseChunkOutput(text: string, index: number, encoding: ChunkEncoding): Buffer {
  const lines = text.split('\n');
  const at = lines.indexOf(`${HEADER}-CHUNK ${index}`);
  if (at < 0) throw new Error(`chunk ${index}: the command printed no chunk header`);
  return decodeBody(lines.slice(at + 1), encoding, `chunk ${index}`);
}

function decodeBody(lines: string[], encoding: ChunkEncoding, what: string): Buffer {
  const end = lines.indexOf(END);
  if (end < 0) throw new Error(`${what} has no end marker (was the output cut short?)`);
  const text = lines.slice(0, end).join('');
  if (encoding === 'b') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new Error(`${what} is not valid base64`);
    return Buffer.from(text, 'base64');
  }
  const hex = text.replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/.test(hex)) throw new Error(`${what} is not valid hex`);
  return Buffer.from(hex, 'hex');
}

/** How many chunks the packed output spans (at least one). */
export function chunkCount(header: Pick<RunHeader, 'packedBytes' | 'encoding'>): number {
  return Math.max(1, Math.ceil(header.packedBytes / CHUNK_BYTES[header.encoding]));
}

/** Join the chunks, unpack and split into stdout and stderr, checking every size. */
export function unpack(
  header: Omit<RunHeader, 'first'>,
  chunks: Buffer[],
): { stdout: Buffer; stderr: Buffer } {
  const packed = Buffer.concat(chunks);
  if (packed.length !== header.packedBytes)
    throw new Error(`received ${packed.length} bytes of output, expected ${header.packedBytes}`);
  const plain = header.gzip ? gunzipSync(packed) : packed;
  if (plain.length !== header.stdoutBytes + header.stderrBytes)
    throw new Error(`unpacked ${plain.length} bytes, expected ${header.stdoutBytes + header.stderrBytes}`);
  return {
    stdout: plain.subarray(0, header.stdoutBytes),
    stderr: plain.subarray(header.stdoutBytes),
  };
}

function checkToken(token: string): void {
  // The token is spliced into shell text unquoted: hex only, so it can never be anything else.
  if (!isExecToken(token)) throw new Error(`invalid exec token ${JSON.stringify(token)}`);
}
