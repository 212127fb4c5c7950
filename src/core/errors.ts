/**
 * Errors a user can act on. The CLI prints `imagegate: <message>` on one line and exits with
 * `exitCode`; no stack trace. Anything else that escapes is a bug and is reported as such.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** `file:line:col` prefix for messages about a place in an input file. */
export function at(file: string, line?: number, column?: number): string {
  if (line === undefined) return file;
  return column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
}
