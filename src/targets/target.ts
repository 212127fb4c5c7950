import type { ArtifactRef } from '../evidence/verdict.js';
import type { Transport } from '../suite/transport.js';

/**
 * Where an artifact is booted for testing. Everything `boot` creates is labelled ephemeral (see
 * labels.ts); `teardown` removes it, is safe to call more than once, and is always called.
 */
export interface Booted {
  transport: Transport;
  /** Target details for the verdict: container id, instance type, host key fingerprint, … */
  describe: Record<string, unknown>;
  /**
   * Settles when the artifact's own service stops while it is being tested (a crash after boot),
   * with a one-line reason; never settles for targets that cannot tell.
   */
  exited?: Promise<string>;
}

export interface Target {
  boot(artifact: ArtifactRef): Promise<Booted>;
  /** Recent console/container logs, for the verdict when a check fails. */
  logs(): Promise<string | undefined>;
  teardown(): Promise<void>;
  /** Values injected at boot that must never appear in anything imagegate writes or prints. */
  secrets?(): string[];
}

/** The artifact could not be booted, or the target infrastructure failed: not a test failure. */
export class InfraError extends Error {
  override name = 'InfraError';
}

/**
 * The artifact itself failed at boot (its service crashed or exited): a verdict on the image
 * (a failed test, exit 1), unlike InfraError.
 */
export class ImageFailure extends Error {
  override name = 'ImageFailure';
}
