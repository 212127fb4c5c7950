import type { ImageTestConfig } from '../config/types.js';
import type { ArtifactRef } from '../evidence/verdict.js';
import { DockerTarget } from './docker-target.js';
import type { EphemeralMark } from './labels.js';
import type { Target } from './target.js';

export interface MakeTargetOptions {
  mark: Omit<EphemeralMark, 'createdAt'>;
  settings?: ImageTestConfig;
  /** Builds the EC2 target; injected so the docker path needs no AWS configuration. */
  ec2?: (artifact: ArtifactRef) => Target;
}

/** The target that boots this kind of artifact. */
export function makeTarget(artifact: ArtifactRef, opts: MakeTargetOptions): Target {
  if (artifact.kind === 'docker-image') {
    return new DockerTarget({
      mark: { ...opts.mark, artifact: artifact.id },
      settings: opts.settings?.docker ?? {},
    });
  }
  if (!opts.ec2) throw new Error(`no EC2 target configured for ${artifact.reference}`);
  return opts.ec2(artifact);
}
