/**
 * The drift run: for each host, its image's verified verdict, the suites that verdict records,
 * one collection on the host over its transport (read-only: the collector only reads), and the
 * comparison. Hosts run with bounded concurrency; a host that cannot be reached is a finding,
 * never a reason to stop checking the others.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Dockerode from 'dockerode';
import type { AwsClients } from '../aws/clients.js';
import type { EvidenceConfig, ImageConfig, StagesConfig } from '../config/types.js';
import { UserError } from '../core/errors.js';
import { mapLimit } from '../core/pool.js';
import type { TrustedKey } from '../evidence/trust.js';
import type { Verdict } from '../evidence/verdict.js';
import { verifyVerdict } from '../evidence/verify.js';
import type { VerifiedEvidence } from '../promote/eligibility.js';
import { hasRegistryHost } from '../promote/registry.js';
import { verificationTrust, verifiedEvidenceFor } from '../promote/verify-artifact.js';
import { loadSuite } from '../suite/load.js';
import type { Suite } from '../suite/model.js';
import { runSuites } from '../suite/run.js';
import type { Transport } from '../suite/transport.js';
import { type OpenOptions, openTransport } from '../transports/open.js';
import {
  type Candidate,
  classifyHost,
  compareRuns,
  type HostOutcome,
  newerSuccessor,
  summarise,
} from './classify.js';
import type { DriftReport, Host, HostImage } from './model.js';
import { containerImage } from './select-docker.js';

export interface DriftRequest {
  hosts: Host[];
  /** Hosts checked at once (default 8). */
  concurrency: number;
  stages: StagesConfig | undefined;
  /** Trust only this stage's keys; default any stage's. */
  stage?: string;
  evidenceConfig?: EvidenceConfig;
  images?: Record<string, ImageConfig>;
  configDir: string;
  /** `.imagegate` beside imagegate.yaml: verdicts/ holds local evidence and successors. */
  stateDir: string;
  open: OpenOptions;
  docker?: Dockerode;
  awsClients?: AwsClients;
  progress?: (message: string) => void;
  now?: () => Date;
  /** Ctrl-C / SIGTERM: start no more hosts, close the open transports (stopping their collectors). */
  signal?: AbortSignal;
}

const INFRA_EXIT = 3;

/** Verdict entries that are not the image's suites (the readiness wait before them). */
const READINESS = /^readiness:/;

export async function runDrift(req: DriftRequest): Promise<DriftReport> {
  const trust = await verificationTrust(req);
  const docker = req.docker ?? new Dockerode();
  const suiteCache = new Map<string, Promise<Suite[]>>();
  let candidates: Promise<Candidate[]> | undefined;
  const ctx: HostContext = {
    req,
    trust,
    docker,
    suitesOf: (v) => {
      const key = JSON.stringify([v.image, v.suites.map((s) => s.name)]);
      let hit = suiteCache.get(key);
      if (!hit) {
        hit = loadSuites(v, req);
        suiteCache.set(key, hit);
      }
      return hit;
    },
    candidates: () => {
      candidates ??= Promise.resolve(localVerdicts(join(req.stateDir, 'verdicts'), trust));
      return candidates;
    },
  };
  const open = new Set<Transport>();
  const stop = () => {
    for (const t of open) void t.close().catch(() => {});
  };
  req.signal?.addEventListener('abort', stop, { once: true });
  let done = 0;
  const hosts = await mapLimit(req.hosts, Math.max(1, req.concurrency), async (host) => {
    req.signal?.throwIfAborted();
    const report = classifyHost(await checkHost(host, ctx, open));
    req.progress?.(`[${++done}/${req.hosts.length}] ${host.name}: ${report.status}`);
    return report;
  }).finally(() => req.signal?.removeEventListener('abort', stop));
  // Hosts cut short by the interrupt would read as unreachable: report nothing rather than that.
  req.signal?.throwIfAborted();
  return {
    schema: 'imagegate.drift/v1',
    at: (req.now?.() ?? new Date()).toISOString(),
    hosts,
    summary: summarise(hosts),
  };
}

interface HostContext {
  req: DriftRequest;
  trust: readonly TrustedKey[];
  docker: Dockerode;
  suitesOf(v: Verdict): Promise<Suite[]>;
  candidates(): Promise<Candidate[]>;
}

async function checkHost(host: Host, ctx: HostContext, open: Set<Transport>): Promise<HostOutcome> {
  let image = host.image;
  if (!image) {
    const container = host.target.replace(/^docker:\/\//, '');
    image = await containerImage(ctx.docker, container).catch(() => undefined);
    if (!image)
      return { host, unreachable: `${host.target}: no such container, or the Docker Engine did not answer` };
  }
  // A deregistered AMI has no evidence left to find: `retired` already says what matters.
  if (host.imageGone) return { host, image };
  const found = await evidenceOf(image, ctx);
  if ('lookupFailed' in found) return { host, image, unreachable: found.lookupFailed };
  if ('refused' in found) return { host, image, refused: found.refused };
  const { verified } = found;
  const verdict = verified.verdict;
  image = { ...image, id: found.id };
  const base: HostOutcome = {
    host,
    image,
    verdict: {
      attestationSha256: verified.digest,
      signer: verified.signer.label,
      testedAt: verdict.timings.finishedAt,
      source: verified.file,
    },
  };
  const next = newerSuccessor(verdict, await ctx.candidates());
  if (next)
    base.successor = {
      id: next.artifact.id,
      reference: next.artifact.reference,
      testedAt: next.timings.finishedAt,
    };
  const suites = await ctx.suitesOf(verdict);
  const promoted = verdict.suites.filter((s) => !READINESS.test(s.name));
  const changedSuites = suites
    .filter((s) => promoted.find((p) => p.name === s.name)?.digest !== s.digest)
    .map((s) => s.name);
  let transport: Awaited<ReturnType<typeof openTransport>> | undefined;
  try {
    transport = await openTransport(host.target, ctx.req.open);
    open.add(transport);
    ctx.req.signal?.throwIfAborted();
    // Every suite in one collection: one round trip per host.
    const { run } = await runSuites(suites, transport, { phase: 'live' });
    return {
      ...base,
      changedSuites,
      comparison: compareRuns(
        promoted.flatMap((s) => s.run.results),
        run.results,
      ),
      counts: {
        total: run.summary['test-count'],
        failed: run.summary['failed-count'],
        skipped: run.summary['skipped-count'],
      },
    };
  } catch (err) {
    if (err instanceof UserError || ctx.req.signal?.aborted) throw err;
    return { ...base, unreachable: (err as Error).message };
  } finally {
    if (transport) open.delete(transport);
    await transport?.close().catch(() => {});
  }
}

/**
 * The image's newest verdict, verified as `verify` would. A container is looked up by image id
 * in the local verdicts, then (when it came from a registry) by the attestations attached there.
 */
async function evidenceOf(
  image: HostImage,
  ctx: HostContext,
): Promise<{ verified: VerifiedEvidence; id: string } | { refused: string } | { lookupFailed: string }> {
  const attempts = [image.kind === 'ami' || !image.id ? image.reference : image.id];
  if (
    image.kind === 'docker-image' &&
    hasRegistryHost(image.reference) &&
    !attempts.includes(image.reference)
  )
    attempts.push(image.reference);
  let refusal = '';
  for (const artifact of attempts) {
    try {
      const r = await verifiedEvidenceFor(
        {
          artifact,
          stages: ctx.req.stages,
          ...(ctx.req.stage ? { stage: ctx.req.stage } : {}),
          ...(ctx.req.evidenceConfig ? { evidenceConfig: ctx.req.evidenceConfig } : {}),
          configDir: ctx.req.configDir,
          stateDir: ctx.req.stateDir,
          ...(image.region ? { region: image.region } : {}),
          docker: ctx.docker,
          ...(ctx.req.awsClients ? { awsClients: ctx.req.awsClients } : {}),
        },
        ctx.trust,
      );
      return { verified: r.verified, id: r.artifact.id };
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      // Exit 3 is infrastructure (Docker, EC2, the evidence store did not answer): the host
      // could not be checked, which is not the same as its image having no evidence.
      if (err.exitCode === INFRA_EXIT) return { lookupFailed: `cannot look up evidence: ${err.message}` };
      // drift has no --evidence flag: the advice to pass one does not apply here.
      refusal ||= err.message.replace(/^refused: /, '').replace(/ or pass --evidence FILE$/, '');
    }
  }
  return { refused: refusal };
}

/** The suites a verdict records, loaded as `test` loaded them (with the image's suiteVars). */
async function loadSuites(v: Verdict, req: DriftRequest): Promise<Suite[]> {
  const image = v.image === undefined ? undefined : req.images?.[v.image];
  const vars = (image?.suiteVars ?? []).map((f) => resolve(req.configDir, f));
  const suites: Suite[] = [];
  for (const s of v.suites) {
    if (READINESS.test(s.name)) continue;
    try {
      suites.push(await loadSuite(s.name, { vars }));
    } catch (err) {
      if (err instanceof UserError)
        throw new UserError(
          `the verdict for ${v.artifact.reference} names suite ${s.name}, which cannot be loaded here (run drift from the directory \`test\` ran in): ${err.message}`,
          2,
        );
      throw err;
    }
  }
  if (suites.length === 0)
    throw new UserError(
      `the verdict for ${v.artifact.reference} records no suites: nothing to check drift against`,
      2,
    );
  return suites;
}

/** Every verified, passing verdict in the local verdicts directory: successor candidates. */
function localVerdicts(dir: string, trust: readonly TrustedKey[]): Candidate[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: Candidate[] = [];
  for (const name of names) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(dir, name));
    } catch {
      continue;
    }
    const r = verifyVerdict(bytes, { trust });
    if (r.ok && r.predicate.passed) out.push({ verdict: r.predicate });
  }
  return out;
}
