/**
 * `promoteArtifact`: the whole promotion as a library call (the CLI and `gate` both use it).
 * Evidence first, then discovery, a pure plan, and — unless it is a dry run — execution and a
 * promotion record. Nothing is changed before every refusal check has passed.
 */
import { dirname, join } from 'node:path';
import Dockerode from 'dockerode';
import { AwsClients } from '../aws/clients.js';
import { Pacer } from '../aws/pace.js';
import type { ImageSuites } from '../config/images.js';
import type { EvidenceConfig, StagesConfig } from '../config/types.js';
import { UserError } from '../core/errors.js';
import { encodeEnvelope } from '../evidence/dsse.js';
import { type EvidenceContext, signerFor, trustFor } from '../evidence/setup.js';
import { signPromotion } from '../evidence/sign.js';
import type { Signer } from '../evidence/signer.js';
import { PROMOTION_PREDICATE, VERDICT_PREDICATE } from '../evidence/statement.js';
import type { TrustedKey } from '../evidence/trust.js';
import { EXIT_WRONG_SUBJECT, verifyPromotion } from '../evidence/verify.js';
import { type AwsContext, discoverAws, executeAws, stopped } from './aws.js';
import { dockerConfigSources } from './docker-config.js';
import {
  assertPassed,
  assertPromotable,
  assertStageFits,
  claimedArtifact,
  type Evidence,
  findEvidence,
  identityOf,
  loadEvidence,
  REFUSED,
  type ResolvedArtifact,
} from './eligibility.js';
import { evidenceStore } from './evidence-store.js';
import {
  type AwsAction,
  type AwsPlan,
  identityTag,
  planAws,
  planRegistry,
  type RegistryAction,
  type RegistryPlan,
} from './plan.js';
import {
  appendPromotion,
  type PromotionLine,
  type PromotionRecord,
  readPromotionLines,
  signedPromotion,
} from './records.js';
import { discoverRegistry, executeRegistry, hasRegistryHost, localImageId, pullImage } from './registry.js';
import { getManifest, splitRepository } from './registry-api.js';
import { credentialResolver, type StageLogin } from './registry-auth.js';
import { attachAttestation, fetchAttestations } from './registry-referrers.js';
import { RegistrySession } from './registry-session.js';
import { assertRequiredSuites } from './required-suites.js';
import { findStage, type RegistryStage, repositoryFor, type Stage, stageLadder } from './stages.js';
import { registryEvidence } from './verify-artifact.js';

export interface PromoteRequest {
  /** What the user named: an image reference or id, or an AMI id. */
  artifact: string;
  /** Stage name from imagegate.yaml `stages:`. */
  to: string;
  stages: StagesConfig | undefined;
  /** imagegate.yaml `evidence:` (signer, AMI evidence store). */
  evidenceConfig?: EvidenceConfig;
  /** Where relative key paths resolve (imagegate.yaml's directory); default: stateDir's parent. */
  configDir?: string;
  /** `.imagegate` directory: verdicts/ is searched there, promotions.jsonl written there. */
  stateDir: string;
  /** Where the development key lives, when not in `stateDir` (gate: beside imagegate.yaml). */
  keyDir?: string;
  /** Evidence file (DSSE envelope); default: the newest matching one in `<stateDir>/verdicts/`. */
  evidence?: string;
  /** AMI region, when the verdict does not say. */
  region?: string;
  dryRun?: boolean;
  /** Where stage `registry.credentials` variables, DOCKER_CONFIG and PATH are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  docker?: Dockerode;
  aws?: AwsContext;
  /** KMS and S3 clients (signing keys, trust, evidence store); default one AwsClients. */
  awsClients?: AwsClients;
  /** Signs the promotion record; default from `evidenceConfig.signer`. */
  signer?: Signer;
  /** One-time notices (a development key was created). */
  notice?: (message: string) => void;
  /** imagegate.yaml's images: a verdict must have run its image's suites (required-suites.ts). */
  images?: Readonly<Record<string, ImageSuites>>;
  now?: () => Date;
  onAction?: (action: AwsAction | RegistryAction) => void;
}

export type PromotionPlan = ({ kind: 'aws' } & AwsPlan) | ({ kind: 'registry' } & RegistryPlan);

export interface PromoteResult {
  stage: string;
  artifact: ResolvedArtifact;
  evidence: string;
  /** sha256 of the verified verdict attestation (envelope bytes). */
  attestationSha256: string;
  /** The trusted key that signed the verdict. */
  signedBy: string;
  dryRun: boolean;
  plan: PromotionPlan;
  /** The record written by this run, or the earlier one when there was nothing left to do. */
  record?: PromotionRecord;
  /** False when everything was already in place (a repeated run). */
  changed: boolean;
}

const AMI = /^ami-[0-9a-f]{8,17}$/;

export async function promoteArtifact(req: PromoteRequest): Promise<PromoteResult> {
  const stage = findStage(req.stages, req.to);
  const at = (req.now ?? (() => new Date()))().toISOString();
  let clients: AwsClients | undefined = req.awsClients;
  const lazyClients = () => {
    clients ??= new AwsClients();
    return clients;
  };
  const ectx: EvidenceContext = {
    configDir: req.configDir ?? dirname(req.stateDir),
    stateDir: req.stateDir,
    ...(req.keyDir ? { keyDir: req.keyDir } : {}),
    ...(req.awsClients ? { clients: req.awsClients } : {}),
    ...(req.notice ? { notice: req.notice } : {}),
  };
  const trust = await trustFor(stage, ectx);
  const session = new RegistrySession(
    credentialResolver(stageLogins(stage, stageLadder(req.stages)), dockerConfigSources(req.env)),
  );
  // A missing credentials variable or helper is bad input: say so before anything is read.
  if (stage.kind === 'registry') session.credentialFor(splitRepository(stage.repository).host);
  let docker: Dockerode | undefined;
  const artifact = await resolveArtifact(req, session, () => {
    docker ??= req.docker ?? new Dockerode();
    return docker;
  });
  assertStageFits(artifact, stage);
  const found: Evidence = req.evidence
    ? loadEvidence(req.evidence)
    : await localOrTravelling(req, artifact, session);
  const claimedRegion = claimedArtifact(found.bytes)?.verdict.artifact?.region;
  if (artifact.kind === 'ami' && !artifact.region && claimedRegion) artifact.region = claimedRegion;
  const evidence = assertPromotable(found, artifact, stage, trust);
  assertPassed(evidence);
  const verdict = evidence.verdict;
  if (req.images) await assertRequiredSuites(evidence.file, verdict, req.images);
  const identity = identityOf(artifact);
  const lines = readPromotionLines(req.stateDir);
  if (stage.requires) {
    await assertRequiredReached(
      stage.name,
      stage.requires,
      req,
      ectx,
      artifact,
      lines,
      verdict.image,
      session,
    );
  }
  const base = {
    stage: stage.name,
    artifact,
    evidence: evidence.file,
    attestationSha256: evidence.digest,
    signedBy: evidence.signer.label,
    dryRun: Boolean(req.dryRun),
  };
  const earlier = signedPromotion(lines, stage.name, identity, trust);
  const record: PromotionRecord = {
    schema: 'imagegate.promotion/v1',
    stage: stage.name,
    at,
    artifact: {
      kind: artifact.kind,
      id: artifact.id,
      ...(artifact.region ? { region: artifact.region } : {}),
    },
    attestationSha256: evidence.digest,
  };
  const sign = async (rec: PromotionRecord) => {
    const signer = req.signer ?? signerFor(req.evidenceConfig?.signer, { ...ectx, clients: lazyClients() });
    const attestation = await signPromotion(rec, signer);
    return { line: { ...rec, signer: signer.keyId, attestation } as PromotionLine, attestation };
  };

  if (stage.kind === 'aws') {
    if (!artifact.region) {
      throw new UserError(`${artifact.reference}: the verdict names no region; pass --region REGION`);
    }
    const ctx = req.aws ?? { clients: lazyClients(), pacer: new Pacer() };
    const actx: AwsContext = req.onAction ? { ...ctx, onAction: req.onAction } : ctx;
    const state = await discoverAws(actx, stage, { id: artifact.id, region: artifact.region }).catch(
      (err) => {
        throw stopped('reading what exists in AWS', err);
      },
    );
    // The tester may not have known the account; where it did, the owner must be that account.
    if (verdict.artifact.account && verdict.artifact.account !== state.source.account) {
      throw new UserError(
        `refused: ${evidence.file}: digest mismatch: evidence is about ${artifact.id} in account ${verdict.artifact.account}, but the AMI is owned by ${state.source.account}`,
        EXIT_WRONG_SUBJECT,
      );
    }
    record.artifact.account = state.source.account;
    const plan = planAws({ verdict, attestationSha256: evidence.digest, stage, state, at });
    const result = { ...base, plan: { kind: 'aws' as const, ...plan } };
    if (req.dryRun) return { ...result, changed: plan.actions.length > 0 };
    if (!plan.actions.length && earlier) return { ...result, record: earlier, changed: false };
    // The envelope goes into the store before any tag names its digest.
    const store = evidenceStore(req.evidenceConfig?.store, {
      configDir: ectx.configDir,
      stateDir: req.stateDir,
      clients: lazyClients,
      region: artifact.region,
    });
    await store.put(found.bytes);
    const images = await executeAws(actx, plan, state);
    record.aws = { images, recipients: plan.recipients.map((r) => r.account) };
    const { line, attestation } = await sign(record);
    await store.put(encodeEnvelope(attestation));
    appendPromotion(req.stateDir, line);
    return { ...result, record, changed: true };
  }

  const registryStage = repositoryFor(stage, verdict.image);
  const plan = planRegistry(registryStage, await discoverRegistry(registryStage, artifact.id, session));
  const result = { ...base, plan: { kind: 'registry' as const, ...plan } };
  const changing = plan.actions.some((a) => a.kind !== 'verify');
  if (req.dryRun) return { ...result, changed: changing };
  const pushed = await executeRegistry(
    docker ?? req.docker ?? new Dockerode(),
    plan,
    artifact.id,
    session,
    req.onAction,
  );
  // The evidence travels with the image: attached to its manifest (idempotent: same bytes, same digest).
  const manifest = await getManifest(registryStage.repository, pushed.digest, session);
  if (!manifest)
    throw new UserError(`${registryStage.repository}@${pushed.digest} vanished after the push; re-run`, 3);
  await attachAttestation(
    registryStage.repository,
    manifest,
    found.bytes,
    { predicateType: VERDICT_PREDICATE, created: verdict.timings.finishedAt },
    session,
  );
  if (!changing && earlier) return { ...result, record: earlier, changed: false };
  record.registry = { repository: registryStage.repository, digest: pushed.digest, tags: pushed.tags };
  const { line, attestation } = await sign(record);
  await attachAttestation(
    registryStage.repository,
    manifest,
    encodeEnvelope(attestation),
    { predicateType: PROMOTION_PREDICATE, created: at },
    session,
  );
  appendPromotion(req.stateDir, line);
  return { ...result, record, changed: true };
}

/**
 * `requires`: the artifact reached the required stage, by a promotion record signed by a key
 * that stage trusts — from promotions.jsonl, or for a registry stage from the destination
 * itself (the promotion attestation attached to the image there). Never an unsigned line.
 */
async function assertRequiredReached(
  target: string,
  required: string,
  req: PromoteRequest,
  ectx: EvidenceContext,
  artifact: ResolvedArtifact,
  lines: PromotionLine[],
  image: string | undefined,
  session: RegistrySession,
): Promise<void> {
  const stage = findStage(req.stages, required);
  const trust = await trustFor(stage, ectx);
  const identity = identityOf(artifact);
  if (signedPromotion(lines, required, identity, trust)) return;
  if (
    stage.kind === 'registry' &&
    (await reachedRegistry(repositoryFor(stage, image), artifact, trust, session))
  ) {
    return;
  }
  throw new UserError(
    `refused: stage "${target}" requires "${required}" first (no signed record of it, by a key "${required}" trusts): run \`imagegate promote ${artifact.reference} --to ${required}\``,
    REFUSED,
  );
}

async function reachedRegistry(
  stage: RegistryStage,
  artifact: ResolvedArtifact,
  trust: readonly TrustedKey[],
  session: RegistrySession,
): Promise<boolean> {
  const m = await getManifest(stage.repository, identityTag(artifact.id), session).catch(() => undefined);
  if (!m || m.config !== artifact.id) return false;
  const atts = await fetchAttestations(stage.repository, m.digest, session).catch(() => []);
  return atts.some((a) => {
    if (!a.envelope || a.predicateType !== PROMOTION_PREDICATE) return false;
    const r = verifyPromotion(a.envelope, { trust, artifact: identityOf(artifact) });
    return r.ok && r.predicate.stage === stage.name;
  });
}

/**
 * The local verdict for the artifact or, when there is none and the artifact was named by its
 * registry reference, the attestation that travelled with it there: a machine that never
 * tested the image promotes it on with the evidence attached to it.
 */
async function localOrTravelling(
  req: PromoteRequest,
  artifact: ResolvedArtifact,
  session: RegistrySession,
): Promise<Evidence> {
  try {
    return findEvidence(join(req.stateDir, 'verdicts'), artifact);
  } catch (err) {
    const none = err instanceof UserError && err.exitCode === REFUSED && /no verdict for/.test(err.message);
    if (!none || !hasRegistryHost(req.artifact)) throw err;
    const travelled = await registryEvidence(req.artifact, session);
    if (travelled.artifact.id !== artifact.id) throw err;
    return travelled.evidence;
  }
}

/** Stages' `registry.credentials` by registry host, the target stage first (it wins a shared host). */
function stageLogins(target: Stage, ladder: Stage[]): StageLogin[] {
  return [target, ...ladder.filter((s) => s.name !== target.name)].flatMap((s) =>
    s.kind === 'registry' && s.credentials
      ? [{ stage: s.name, host: splitRepository(s.repository).host, credentials: s.credentials }]
      : [],
  );
}

/** What the user named, as the exact artifact: an AMI id, or the id of a local Docker image. */
async function resolveArtifact(
  req: PromoteRequest,
  session: RegistrySession,
  docker: () => Dockerode,
): Promise<ResolvedArtifact> {
  if (AMI.test(req.artifact)) {
    return {
      kind: 'ami',
      id: req.artifact,
      reference: req.artifact,
      ...(req.region ? { region: req.region } : {}),
    };
  }
  if (/^ami-/.test(req.artifact)) {
    throw new UserError(`${req.artifact}: not an AMI id (ami- followed by 8 or 17 hex digits)`);
  }
  let id = await localImageId(docker(), req.artifact);
  if (!id && hasRegistryHost(req.artifact)) {
    const host = req.artifact.split('/')[0] as string;
    await pullImage(docker(), req.artifact, session.credentialFor(host)).catch((err: unknown) => {
      throw err instanceof UserError ? err : new UserError(`pull ${req.artifact}: ${(err as Error).message}`);
    });
    id = await localImageId(docker(), req.artifact);
  }
  if (!id) {
    throw new UserError(
      `${req.artifact}: no such local Docker image (and no registry to pull it from): build it (imagegate build) or pull it first`,
    );
  }
  return { kind: 'docker-image', id, reference: req.artifact };
}
