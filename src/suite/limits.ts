/**
 * Limits on what a suite run collects (docs/suites.md#limits). Input limits (YAML size and
 * aliases) live with the YAML reader in src/core/yaml-document.ts.
 */

/**
 * Most bytes kept per collected output (a file's contents, a command's stdout or stderr, an
 * http body). The script keeps one byte more, so facts can tell "exactly the limit" from "cut".
 */
export const MAX_OUTPUT_BYTES = 4 << 20;
