/**
 * What a `file` provisioner uploads, read as text for the policies that look inside (a
 * credential in `files/app.env` is baked into the image as surely as one in `inline`).
 * Bounded: text files only, at most 256 KiB each, 200 files and 4 MiB per template; symlinks
 * are not followed, so a folder upload cannot walk the disk.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface UploadedFile {
  file: string;
  text: string;
}

const MAX_FILE = 256 * 1024;
const MAX_FILES = 200;
const MAX_TOTAL = 4 * 1024 * 1024;
const MAX_DEPTH = 8;

export class UploadReader {
  readonly files: UploadedFile[] = [];
  private total = 0;
  private readonly seen = new Set<string>();

  /** A file or a folder (walked) that a file provisioner's `source` names. */
  add(path: string, depth = 0): void {
    if (this.files.length >= MAX_FILES || this.total >= MAX_TOTAL || this.seen.has(path)) return;
    this.seen.add(path);
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(path);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      if (depth >= MAX_DEPTH) return;
      let names: string[];
      try {
        names = readdirSync(path).sort();
      } catch {
        return;
      }
      for (const n of names) if (n !== '.git') this.add(join(path, n), depth + 1);
      return;
    }
    if (!st.isFile() || st.size > MAX_FILE || st.size === 0) return;
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      return;
    }
    // Binary (a NUL in the first 8 KiB): nothing a text pattern should read.
    if (bytes.subarray(0, 8192).includes(0)) return;
    this.total += bytes.length;
    this.files.push({ file: path, text: bytes.toString('utf8') });
  }
}
