/**
 * Thrown by every transport when `timeoutMs` passes: the script (and everything it started)
 * has been killed. Callers test `err.name === 'ExecTimeoutError'` so the suite engine needs no
 * import from here.
 */
export class ExecTimeoutError extends Error {
  constructor(
    readonly target: string,
    readonly timeoutMs: number,
  ) {
    super(`${target}: script did not finish within ${timeoutMs} ms and was killed`);
    this.name = 'ExecTimeoutError';
  }
}
