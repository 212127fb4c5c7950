/**
 * Bad input to lint (unreadable path, invalid policy file, unknown policy id in config): the
 * caller prints the one-line message and exits 2. Kept here, not in src/cli, so library users
 * (gate) can tell it apart without importing the CLI.
 */
export class LintInputError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'LintInputError';
  }
}
