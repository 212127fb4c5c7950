/**
 * Errors a target raises that the user can act on. `kind` tells the CLI which exit code fits:
 * `bad-input` (a malformed target string or unreadable key file), `host-key` (refused to trust
 * the server), `connect` (network/auth/engine failure). Messages are one line and say what to do.
 */
export type TargetErrorKind = 'bad-input' | 'host-key' | 'connect';

export class TargetError extends Error {
  constructor(
    message: string,
    readonly kind: TargetErrorKind,
  ) {
    super(message);
    this.name = 'TargetError';
  }
}
