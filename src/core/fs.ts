import { closeSync, mkdirSync, openSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from './errors.js';

/** Write atomically (temp file + rename in the same folder) so a crash never leaves half a file. */
export function writeFileAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/**
 * Read a text input of at most `maxBytes`, without reading more than that from the file (a
 * FIFO, /dev/zero or a huge file is refused, not slurped). Errors are UserErrors naming the file.
 */
export function readTextCapped(file: string, maxBytes: number, exitCode: number, what = 'file'): string {
  const cannot = (err: unknown) =>
    new UserError(
      `${file}: cannot read${what === 'file' ? '' : ` ${what}`}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      exitCode,
    );
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw cannot(err);
  }
  try {
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > maxBytes) {
        throw new UserError(
          `${file}: ${what} is larger than the limit of ${formatBytes(maxBytes)} (see docs/suites.md#limits)`,
          exitCode,
        );
      }
    }
    return buf.subarray(0, n).toString('utf8');
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw cannot(err);
  } finally {
    closeSync(fd);
  }
}

/** 1 MiB, 512 KiB, 100 B. */
export function formatBytes(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1 << 10 && n % (1 << 10) === 0) return `${n / (1 << 10)} KiB`;
  return `${n} B`;
}
