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
}

export interface Target {
  boot(artifact: ArtifactRef): Promise<Booted>;
  /** Recent console/container logs, for the verdict when a check fails. */
  logs(): Promise<string | undefined>;
  teardown(): Promise<void>;
}

/** The artifact could not be booted, or the target infrastructure failed: not a test failure. */
export class InfraError extends Error {
  override name = 'InfraError';
}
