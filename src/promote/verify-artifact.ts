/**
 * `imagegate verify ARTIFACT`: what a deploy step runs before rolling an image out. It fetches
 * the evidence where it travels with the artifact — the OCI referrers of a registry image, the
 * evidence store an AMI's `imagegate:attestation-sha256` tag points into, or the local verdicts
 * directory for a local image — and verifies it against the trust policy. It resolves only
 * when the newest attestation is valid, trusted, about this artifact and records a pass.
 */

import { join } from 'node:path';
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import Dockerode from 'dockerode';
import { AwsClients } from '../aws/clients.js';
import type { EvidenceConfig, StagesConfig } from '../config/types.js';
import { UserError } from '../core/errors.js';
import { type EvidenceContext, trustFor, trustOfAllStages } from '../evidence/setup.js';
import { VERDICT_PREDICATE } from '../evidence/statement.js';
import type { TrustedKey } from '../evidence/trust.js';
import { EXIT_REFUSED, exitCodeFor } from '../evidence/verify.js';
import {
  assertPassed,
  assertPromotable,
  type Evidence,
  findEvidence,
  loadEvidence,
  type ResolvedArtifact,
  type VerifiedEvidence,
} from './eligibility.js';
import { evidenceStore } from './evidence-store.js';
import { hasRegistryHost, localImageId } from './registry.js';
import { getManifest } from './registry-api.js';
import { fetchAttestations } from './registry-referrers.js';
import { anonymousSession, type RegistrySession } from './registry-session.js';
import { findStage, stageLadder } from './stages.js';

export interface VerifyRequest {
  /** `HOST/REPO@sha256:…` or `HOST/REPO:TAG`, a local image, or an AMI id. */
  artifact: string;
  /** Trust this stage's keys; default every key any stage trusts. */
  stage?: string;
  stages: StagesConfig | undefined;
  evidenceConfig?: EvidenceConfig;
  configDir: string;
  stateDir: string;
  /** An evidence file to check instead of fetching it. */
  evidence?: string;
  region?: string;
  session?: RegistrySession;
  docker?: Dockerode;
  awsClients?: AwsClients;
}

export interface VerifyResult {
  artifact: ResolvedArtifact;
  /** Where the evidence was read: a file, `registry REPO referrer sha256:…`, the store. */
  source: string;
  signer: string;
  attestationSha256: string;
  trustedBy: string;
  verdict: { passed: boolean; finishedAt: string; git?: string; tool: string };
}

const AMI = /^ami-[0-9a-f]{8,17}$/;

/** The keys `verify` (and `drift`) accept: the named stage's, else any stage's; none is bad input. */
export async function verificationTrust(
  req: Pick<VerifyRequest, 'stage' | 'stages' | 'configDir' | 'stateDir' | 'awsClients'>,
): Promise<TrustedKey[]> {
  const ectx: EvidenceContext = {
    configDir: req.configDir,
    stateDir: req.stateDir,
    ...(req.awsClients ? { clients: req.awsClients } : {}),
  };
  const trust = req.stage
    ? await trustFor(findStage(req.stages, req.stage), ectx)
    : await trustOfAllStages(stageLadder(req.stages), ectx);
  if (trust.length === 0) {
    throw new UserError(
      'no trusted keys: no stage in imagegate.yaml has a `trust` list (or its keys do not exist yet); see docs/evidence.md#trust-policy',
    );
  }
  return trust;
}

/**
 * Find the newest evidence of an artifact and verify it under `trust`, as `verify` does, and
 * return the verified verdict itself (drift needs its suites and results). Refusals throw
 * UserError with the exit code of their kind.
 */
export async function verifiedEvidenceFor(
  req: VerifyRequest,
  trust: readonly TrustedKey[],
): Promise<{ artifact: ResolvedArtifact; verified: VerifiedEvidence }> {
  const { artifact, evidence } = await locate(req);
  return { artifact, verified: check(evidence, artifact, trust, req.stage) };
}

export async function verifyArtifact(req: VerifyRequest): Promise<VerifyResult> {
  const trust = await verificationTrust(req);
  const trustedBy = req.stage ? `stage "${req.stage}"` : 'any stage';
  const { artifact, verified } = await verifiedEvidenceFor(req, trust);
  const v = verified.verdict;
  return {
    artifact,
    source: verified.file,
    signer: verified.signer.label,
    attestationSha256: verified.digest,
    trustedBy,
    verdict: {
      passed: v.passed,
      finishedAt: v.timings.finishedAt,
      ...(v.git ? { git: v.git.sha } : {}),
      tool: `${v.tool.name} ${v.tool.version}`,
    },
  };
}

function check(
  evidence: Evidence,
  artifact: ResolvedArtifact,
  trust: readonly TrustedKey[],
  stage?: string,
): VerifiedEvidence {
  const verified = assertPromotable(evidence, artifact, { name: stage ?? '(any stage)' }, trust);
  assertPassed(verified);
  return verified;
}

async function locate(req: VerifyRequest): Promise<{ artifact: ResolvedArtifact; evidence: Evidence }> {
  if (AMI.test(req.artifact)) return locateAmi(req);
  if (hasRegistryHost(req.artifact) && !req.evidence) return locateInRegistry(req);
  const docker = req.docker ?? new Dockerode();
  const id = /^sha256:[0-9a-f]{64}$/.test(req.artifact)
    ? req.artifact
    : await localImageId(docker, req.artifact);
  if (!id) {
    throw new UserError(
      `${req.artifact}: no such local image; name a registry image (HOST/REPO@sha256:…) or an AMI`,
    );
  }
  const artifact: ResolvedArtifact = { kind: 'docker-image', id, reference: req.artifact };
  return {
    artifact,
    evidence: req.evidence
      ? loadEvidence(req.evidence)
      : findEvidence(join(req.stateDir, 'verdicts'), artifact),
  };
}

/** A registry image: its config digest is the image id the attestation is about. */
async function locateInRegistry(
  req: VerifyRequest,
): Promise<{ artifact: ResolvedArtifact; evidence: Evidence }> {
  return registryEvidence(req.artifact, req.session ?? anonymousSession());
}

/** `HOST/REPO@sha256:…`, `HOST/REPO:TAG` or `HOST/REPO` → repository and reference. */
export function splitReference(ref: string): { repository: string; reference: string } {
  const at = ref.lastIndexOf('@');
  if (at > 0) return { repository: ref.slice(0, at), reference: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/'))
    return { repository: ref.slice(0, colon), reference: ref.slice(colon + 1) };
  return { repository: ref, reference: 'latest' };
}

/**
 * The newest verdict attestation attached to a registry image, and the image it is about. The
 * newest must be readable: an unreadable one is a refusal, never a reason to use an older one.
 */
export async function registryEvidence(
  ref: string,
  session: RegistrySession,
): Promise<{ artifact: ResolvedArtifact; evidence: Evidence }> {
  const { repository, reference } = splitReference(ref);
  const manifest = await getManifest(repository, reference, session);
  if (!manifest) throw new UserError(`${ref}: not found in the registry`);
  const artifact: ResolvedArtifact = { kind: 'docker-image', id: manifest.config, reference: ref };
  const attestations = (await fetchAttestations(repository, manifest.digest, session)).filter(
    (a) => a.predicateType === undefined || a.predicateType === VERDICT_PREDICATE,
  );
  const newest = attestations[0];
  if (!newest) {
    throw new UserError(
      `refused: ${repository}@${manifest.digest} has no attestation attached (referrers or tag ${manifest.digest.replace(':', '-')}): promote it with imagegate`,
      EXIT_REFUSED,
    );
  }
  const source = `${repository}@${newest.manifestDigest}`;
  if (!newest.envelope) {
    throw new UserError(
      `refused: the newest attestation ${source} cannot be read; refusing rather than fall back to an older one`,
      exitCodeFor('unreadable'),
    );
  }
  return { artifact, evidence: { file: source, bytes: newest.envelope } };
}

/** An AMI: the digest in its tag names the envelope in the evidence store. */
async function locateAmi(req: VerifyRequest): Promise<{ artifact: ResolvedArtifact; evidence: Evidence }> {
  if (!req.region) throw new UserError(`${req.artifact}: pass --region REGION (AMI ids are regional)`);
  const clients = req.awsClients ?? new AwsClients();
  const out = await clients
    .ec2({ region: req.region })
    .send(new DescribeImagesCommand({ ImageIds: [req.artifact] }))
    .catch((err: unknown) => {
      throw new UserError(
        `${req.artifact} in ${req.region}: DescribeImages failed: ${(err as Error).message}`,
        3,
      );
    });
  const image = out.Images?.[0];
  if (!image) throw new UserError(`${req.artifact}: no such AMI in ${req.region} visible to this account`);
  const artifact: ResolvedArtifact = {
    kind: 'ami',
    id: req.artifact,
    region: req.region,
    ...(image.OwnerId ? { account: image.OwnerId } : {}),
    reference: req.artifact,
  };
  if (req.evidence) return { artifact, evidence: loadEvidence(req.evidence) };
  const digest = image.Tags?.find((t) => t.Key === 'imagegate:attestation-sha256')?.Value;
  if (!digest) {
    throw new UserError(
      `refused: ${req.artifact} has no imagegate:attestation-sha256 tag: it was not promoted by imagegate (or pass --evidence FILE)`,
      EXIT_REFUSED,
    );
  }
  const store = evidenceStore(req.evidenceConfig?.store, {
    configDir: req.configDir,
    stateDir: req.stateDir,
    clients: () => clients,
    region: req.region,
  });
  const bytes = await store.get(digest);
  if (!bytes) {
    throw new UserError(
      `refused: the attestation sha256:${digest} named by ${req.artifact}'s tag is not in the evidence store ${store.describe} (or does not hash to its name)`,
      exitCodeFor('unreadable'),
    );
  }
  return { artifact, evidence: { file: `${store.describe}/sha256-${digest}.dsse.json`, bytes } };
}
