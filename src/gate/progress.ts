/**
 * Live progress per unit of work (an image, an artifact). The pipeline reports through this; the
 * CLI decides how it looks (a redrawn block on a TTY, timestamped lines in CI, nothing with -q).
 */
export interface Progress {
  update(key: string, status: string, detail?: string): void;
  done(): void;
}

export const silentProgress: Progress = { update: () => {}, done: () => {} };
