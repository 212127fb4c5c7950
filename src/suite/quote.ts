/**
 * POSIX shell quoting. Every name, path and argument that reaches the collector script goes
 * through `shQuote`, so a resource called `/tmp/x; touch /tmp/pwned` stays one word.
 */
export function shQuote(value: string): string {
  if (value.includes('\0')) {
    // A NUL cannot be passed in argv at all; refusing beats silently truncating.
    throw new Error(
      `cannot pass a value containing a NUL byte to the target shell: ${JSON.stringify(value)}`,
    );
  }
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Seconds for `sleep`, from goss's millisecond timeouts (`sleep` accepts decimals on Linux). */
export function shSeconds(ms: number): string {
  return (Math.max(ms, 1) / 1000).toFixed(3).replace(/\.?0+$/, '');
}
