import type { BaseImage } from '../evidence/verdict.js';
import type { MachineArtifact } from './machine-readable.js';

/** What a build produced that imagegate can test: one entry per image (docker) or AMI per region. */
export type BuiltArtifact =
  | { kind: 'docker-image'; build: string; id: string; tags: string[]; base?: BaseImage }
  | { kind: 'ami'; build: string; id: string; region: string; base?: BaseImage };

/**
 * Reduce Packer's artifacts to testable ones. A docker build reports the committed image
 * (docker-commit / docker-import) and, per docker-tag post-processor, a tagged name; an amazon
 * build reports `region:ami-…` pairs joined by commas.
 */
export function testableArtifacts(raw: MachineArtifact[]): BuiltArtifact[] {
  const out: BuiltArtifact[] = [];
  const docker = new Map<string, { id: string; tags: Set<string> }>();
  for (const a of raw) {
    if (/docker/.test(a.builderId)) {
      const entry = docker.get(a.build) ?? { id: '', tags: new Set<string>() };
      if (a.id.startsWith('sha256:')) entry.id = a.id;
      else if (a.builderId.includes('docker-tag') && a.id) entry.tags.add(a.id);
      docker.set(a.build, entry);
    } else if (/amazon|ebs/.test(a.builderId)) {
      for (const pair of a.id.split(',')) {
        const [region, ami] = pair.split(':');
        if (region && ami?.startsWith('ami-')) out.push({ kind: 'ami', build: a.build, id: ami, region });
      }
    }
  }
  for (const [build, { id, tags }] of docker) {
    if (id) out.push({ kind: 'docker-image', build, id, tags: [...tags].sort() });
  }
  return out;
}
