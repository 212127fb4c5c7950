/**
 * Registry side of promotion (dockerode + the registry API): push the tested image under its
 * content-addressed tag, verify the registry holds exactly that image, then point the stage tags
 * at the verified manifest by digest. Docker Engine gets the login in X-Registry-Auth; the API
 * calls go through the session, which logs in when the registry asks.
 */
import type Dockerode from 'dockerode';
import { UserError } from '../core/errors.js';
import { PROMOTION_FAILED } from './aws.js';
import { REFUSED } from './eligibility.js';
import type { RegistryAction, RegistryPlan, RegistryState } from './plan.js';
import { identityTag } from './plan.js';
import { getManifest, type Manifest, putManifest, splitRepository } from './registry-api.js';
import { authRefused, engineAuthConfig, type RegistryCredential } from './registry-auth.js';
import { anonymousSession, type RegistrySession } from './registry-session.js';
import type { RegistryStage } from './stages.js';

/** The local image a reference (name:tag, id, short id) names, or undefined. */
export async function localImageId(docker: Dockerode, reference: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(reference).inspect()).Id;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw new UserError(`docker: cannot inspect ${reference}: ${(err as Error).message}`, 3);
  }
}

/** `host[:port]/path[:tag|@digest]`: the first component names a registry (Docker's rule). */
export function hasRegistryHost(reference: string): boolean {
  const first = reference.split('/')[0] ?? '';
  return reference.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
}

/**
 * Pull a reference that is not local, so an image promoted to an earlier registry stage can be
 * promoted further from another machine. The verdict check that follows is by image id, which
 * a push and pull keep (it is the config digest).
 */
export async function pullImage(
  docker: Dockerode,
  reference: string,
  cred: RegistryCredential,
): Promise<void> {
  const what = `pull of ${reference}`;
  let events: ProgressEvent[];
  try {
    const stream = await docker.pull(reference, { authconfig: engineAuthConfig(cred) });
    events = await new Promise<ProgressEvent[]>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null, out: ProgressEvent[]) =>
        err ? reject(err) : resolve(out),
      );
    });
  } catch (err) {
    // Docker Engine refuses a pull it cannot authorise before streaming: HTTP 500 "unauthorized".
    throw refusedByEngine(cred, (err as Error).message, what) ?? err;
  }
  const failed = events.find((e) => e.error || e.errorDetail);
  if (failed) {
    const message = failed.errorDetail?.message ?? failed.error ?? '';
    throw refusedByEngine(cred, message, what) ?? new UserError(`pull ${reference} failed: ${message}`);
  }
}

/** Docker Engine reports a refused login only as text; the registry's words are stable. */
function refusedByEngine(cred: RegistryCredential, message: string, what: string): UserError | undefined {
  if (/\bdenied\b|forbidden/i.test(message)) return authRefused(cred, 403, what);
  if (/unauthorized|authentication required|no basic auth credentials/i.test(message)) {
    return authRefused(cred, 401, what);
  }
  return undefined;
}

export async function discoverRegistry(
  stage: RegistryStage,
  imageId: string,
  session: RegistrySession,
): Promise<RegistryState> {
  const tags: RegistryState['tags'] = {};
  for (const tag of [identityTag(imageId), ...stage.tags]) {
    const m = await getManifest(stage.repository, tag, session);
    if (m) tags[tag] = { digest: m.digest, config: m.config };
  }
  return { imageId, tags };
}

interface ProgressEvent {
  error?: string;
  errorDetail?: { message?: string };
  aux?: { Tag?: string; Digest?: string };
}

async function push(
  docker: Dockerode,
  imageId: string,
  repository: string,
  tag: string,
  cred: RegistryCredential,
): Promise<string | undefined> {
  await docker.getImage(imageId).tag({ repo: repository, tag });
  const stream = await docker.getImage(repository).push({ tag, authconfig: engineAuthConfig(cred) });
  const events = await new Promise<ProgressEvent[]>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: ProgressEvent[]) =>
      err ? reject(err) : resolve(out),
    );
  });
  const failed = events.find((e) => e.error || e.errorDetail);
  if (failed) {
    const message = failed.errorDetail?.message ?? failed.error ?? '';
    const name = splitRepository(repository).name;
    throw (
      refusedByEngine(cred, message, `push to ${name}`) ??
      new UserError(`push ${repository}:${tag} failed: ${message}`, PROMOTION_FAILED)
    );
  }
  return events.find((e) => e.aux?.Digest)?.aux?.Digest;
}

/** Refuse unless the manifest behind `tag` is the tested image (its config digest is the image id). */
export async function verifyPushed(
  repository: string,
  tag: string,
  imageId: string,
  session: RegistrySession = anonymousSession(),
): Promise<Manifest> {
  const m = await getManifest(repository, tag, session);
  if (!m)
    throw new UserError(
      `${repository}:${tag} is missing right after the push; re-run to retry`,
      PROMOTION_FAILED,
    );
  if (m.config !== imageId) {
    throw new UserError(
      `refused: digest mismatch: ${repository}:${tag} holds image ${m.config} (manifest ${m.digest}), not the tested ${imageId}`,
      REFUSED,
    );
  }
  return m;
}

export interface RegistryResult {
  digest: string;
  tags: string[];
}

export async function executeRegistry(
  docker: Dockerode,
  plan: RegistryPlan,
  imageId: string,
  session: RegistrySession,
  onAction?: (a: RegistryAction) => void,
): Promise<RegistryResult> {
  let pushedDigest: string | undefined;
  let verified: Manifest | undefined;
  for (const action of plan.actions) {
    onAction?.(action);
    if (action.kind === 'push') {
      const cred = session.credentialFor(splitRepository(action.repository).host);
      pushedDigest = await push(docker, imageId, action.repository, action.tag, cred);
    } else if (action.kind === 'verify') {
      verified = await verifyPushed(action.repository, action.tag, action.imageId, session);
      if (pushedDigest && pushedDigest !== verified.digest) {
        throw new UserError(
          `refused: digest mismatch: Docker pushed ${pushedDigest} but ${action.repository}:${action.tag} is ${verified.digest}`,
          REFUSED,
        );
      }
    } else {
      if (!verified) throw new Error('registry plan retags before verifying');
      // Same bytes under the stage tag: it can only ever name the verified digest.
      const stored = await putManifest(action.repository, action.tag, verified, session);
      if (stored !== verified.digest) {
        throw new UserError(
          `refused: digest mismatch: ${action.repository}:${action.tag} stored as ${stored}, expected ${verified.digest}`,
          REFUSED,
        );
      }
    }
  }
  if (!verified) throw new Error('registry plan has no verify step');
  return { digest: verified.digest, tags: [plan.identityTag, ...plan.tags] };
}
