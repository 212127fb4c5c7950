/**
 * `promoteArtifact`: the whole promotion as a library call (the CLI and `gate` both use it).
 * Evidence first, then discovery, a pure plan, and — unless it is a dry run — execution and a
 * promotion record. Nothing is changed before every refusal check has passed.
 */
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { AwsClients } from '../aws/clients.js';
import { Pacer } from '../aws/pace.js';
import type { StagesConfig } from '../config/types.js';
import { UserError } from '../core/errors.js';
import { type AwsContext, discoverAws, executeAws, stopped } from './aws.js';
import { dockerConfigSources } from './docker-config.js';
import {
  assertPromotable,
  assertStageFits,
  type Evidence,
  findEvidence,
  loadEvidence,
  type ResolvedArtifact,
} from './eligibility.js';
import {
  type AwsAction,
  type AwsPlan,
  planAws,
  planRegistry,
  type RegistryAction,
  type RegistryPlan,
} from './plan.js';
import { appendPromotion, findPromotion, type PromotionRecord, readPromotions } from './records.js';
import { discoverRegistry, executeRegistry, hasRegistryHost, localImageId, pullImage } from './registry.js';
import { splitRepository } from './registry-api.js';
import { credentialResolver, type StageLogin } from './registry-auth.js';
import { RegistrySession } from './registry-session.js';
import { findStage, repositoryFor, type Stage, stageLadder } from './stages.js';

export interface PromoteRequest {
  /** What the user named: an image reference or id, or an AMI id. */
  artifact: string;
  /** Stage name from imagegate.yaml `stages:`. */
  to: string;
  stages: StagesConfig | undefined;
  /** `.imagegate` directory: verdicts/ is searched there, promotions.jsonl written there. */
  stateDir: string;
  /** Verdict file; default: the newest matching verdict in `<stateDir>/verdicts/`. */
  evidence?: string;
  /** AMI region, when the verdict does not say. */
  region?: string;
  dryRun?: boolean;
  /** Where stage `registry.credentials` variables, DOCKER_CONFIG and PATH are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  docker?: Dockerode;
  aws?: AwsContext;
  now?: () => Date;
  onAction?: (action: AwsAction | RegistryAction) => void;
}

export type PromotionPlan = ({ kind: 'aws' } & AwsPlan) | ({ kind: 'registry' } & RegistryPlan);

export interface PromoteResult {
  stage: string;
  artifact: ResolvedArtifact;
  evidence: string;
  verdictSha256: string;
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
  const evidence: Evidence = req.evidence
    ? loadEvidence(req.evidence)
    : findEvidence(join(req.stateDir, 'verdicts'), artifact);
  if (artifact.kind === 'ami' && !artifact.region && evidence.verdict.artifact.region) {
    artifact.region = evidence.verdict.artifact.region;
  }
  const records = readPromotions(req.stateDir);
  assertPromotable(evidence, artifact, stage, records);
  const verdict = evidence.verdict;
  const base = {
    stage: stage.name,
    artifact,
    evidence: evidence.file,
    verdictSha256: verdict.sha256,
    dryRun: Boolean(req.dryRun),
  };
  const earlier = findPromotion(records, stage.name, artifact.id);
  const record: PromotionRecord = {
    schema: 'imagegate.promotion/v1',
    stage: stage.name,
    at,
    artifact: {
      kind: artifact.kind,
      id: artifact.id,
      ...(artifact.region ? { region: artifact.region } : {}),
    },
    verdictSha256: verdict.sha256,
  };

  if (stage.kind === 'aws') {
    if (!artifact.region) {
      throw new UserError(`${artifact.reference}: the verdict names no region; pass --region REGION`);
    }
    const ctx = req.aws ?? { clients: new AwsClients(), pacer: new Pacer() };
    const actx: AwsContext = req.onAction ? { ...ctx, onAction: req.onAction } : ctx;
    const state = await discoverAws(actx, stage, { id: artifact.id, region: artifact.region }).catch(
      (err) => {
        throw stopped('reading what exists in AWS', err);
      },
    );
    const plan = planAws({ verdict, stage, state, at });
    const result = { ...base, plan: { kind: 'aws' as const, ...plan } };
    if (req.dryRun) return { ...result, changed: plan.actions.length > 0 };
    if (!plan.actions.length && earlier) return { ...result, record: earlier, changed: false };
    const images = await executeAws(actx, plan, state);
    record.aws = { images, recipients: plan.recipients.map((r) => r.account) };
    appendPromotion(req.stateDir, record);
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
  if (!changing && earlier) return { ...result, record: earlier, changed: false };
  record.registry = { repository: registryStage.repository, digest: pushed.digest, tags: pushed.tags };
  appendPromotion(req.stateDir, record);
  return { ...result, record, changed: true };
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
