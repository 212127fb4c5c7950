/**
 * The bit of the Distribution (OCI) registry HTTP API promotion needs: read a manifest by tag or
 * digest, and put a manifest under a tag. Digests are computed here from the bytes, never taken
 * from a response header on trust. Logins are the session's business (registry-session.ts).
 */
import { createHash } from 'node:crypto';
import { UserError } from '../core/errors.js';
import { isDockerHub } from './registry-auth.js';
import { type Access, anonymousSession, isLoopbackHost, type RegistrySession } from './registry-session.js';

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
];

export interface Manifest {
  /** sha256 of the manifest bytes: the digest a pull by digest names. */
  digest: string;
  /** Config blob digest: equals the Docker image id of what was pushed. */
  config: string;
  mediaType: string;
  body: Buffer;
}

export interface RepositoryName {
  host: string;
  name: string;
}

export function splitRepository(repository: string): RepositoryName {
  const slash = repository.indexOf('/');
  return { host: repository.slice(0, slash), name: repository.slice(slash + 1) };
}

/** Loopback registries speak plain HTTP (as Docker Engine allows for 127.0.0.0/8); others HTTPS. */
export function registryUrl(host: string): string {
  // Docker Hub's registry API is served from registry-1.docker.io, not docker.io.
  if (isDockerHub(host)) return 'https://registry-1.docker.io';
  return `${isLoopbackHost(host) ? 'http' : 'https'}://${host}`;
}

function manifestRequest(
  session: RegistrySession,
  repository: string,
  reference: string,
  access: Access,
  init: RequestInit,
): Promise<Response> {
  const { host, name } = splitRepository(repository);
  return session.fetch(host, name, access, `${registryUrl(host)}/v2/${name}/manifests/${reference}`, init);
}

/** The manifest behind a tag or digest, or undefined when the repository or tag does not exist. */
export async function getManifest(
  repository: string,
  reference: string,
  session: RegistrySession = anonymousSession(),
): Promise<Manifest | undefined> {
  const res = await manifestRequest(session, repository, reference, 'pull', {
    headers: { Accept: MANIFEST_TYPES.join(', ') },
  });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new UserError(`GET ${repository}:${reference}: registry answered ${res.status}`, 3);
  const body = Buffer.from(await res.arrayBuffer());
  const mediaType = (res.headers.get('content-type') ?? '').split(';')[0] ?? '';
  const parsed = JSON.parse(body.toString('utf8')) as { config?: { digest?: string } };
  if (!MANIFEST_TYPES.includes(mediaType) || !parsed.config?.digest) {
    throw new UserError(
      `${repository}:${reference} is a ${mediaType || 'manifest of unknown type'}, not one image`,
      3,
    );
  }
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  return { digest, config: parsed.config.digest, mediaType, body };
}

/** Put the exact manifest bytes under `tag` (no layers move); returns the digest the registry stored. */
export async function putManifest(
  repository: string,
  tag: string,
  manifest: Manifest,
  session: RegistrySession,
): Promise<string> {
  const res = await manifestRequest(session, repository, tag, 'pull,push', {
    method: 'PUT',
    headers: { 'Content-Type': manifest.mediaType },
    body: new Uint8Array(manifest.body),
  });
  if (!res.ok) {
    throw new UserError(`PUT ${repository}:${tag}: registry answered ${res.status} ${await res.text()}`, 3);
  }
  return res.headers.get('docker-content-digest') ?? manifest.digest;
}

/** A manifest or index of any media type, as raw bytes (referrers, attestation manifests). */
export interface RawManifest {
  digest: string;
  mediaType: string;
  body: Buffer;
}

export async function getRawManifest(
  repository: string,
  reference: string,
  accept: string[],
  session: RegistrySession = anonymousSession(),
): Promise<RawManifest | undefined> {
  const res = await manifestRequest(session, repository, reference, 'pull', {
    headers: { Accept: accept.join(', ') },
  });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new UserError(`GET ${repository}:${reference}: registry answered ${res.status}`, 3);
  const body = Buffer.from(await res.arrayBuffer());
  const mediaType = (res.headers.get('content-type') ?? '').split(';')[0] ?? '';
  return { digest: `sha256:${createHash('sha256').update(body).digest('hex')}`, mediaType, body };
}

/** PUT manifest bytes under a tag or their digest; returns the response (the caller reads headers). */
export async function putRawManifest(
  repository: string,
  reference: string,
  mediaType: string,
  body: Buffer,
  session: RegistrySession,
): Promise<Response> {
  const res = await manifestRequest(session, repository, reference, 'pull,push', {
    method: 'PUT',
    headers: { 'Content-Type': mediaType },
    body: new Uint8Array(body),
  });
  if (!res.ok) {
    throw new UserError(
      `PUT ${repository}:${reference}: registry answered ${res.status} ${await res.text()}`,
      3,
    );
  }
  await res.arrayBuffer();
  return res;
}

/** Upload a blob unless the registry has it (monolithic upload: POST, then PUT with the digest). */
export async function pushBlob(repository: string, bytes: Buffer, session: RegistrySession): Promise<string> {
  const { host, name } = splitRepository(repository);
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const base = `${registryUrl(host)}/v2/${name}/blobs`;
  const head = await session.fetch(host, name, 'pull,push', `${base}/${digest}`, { method: 'HEAD' });
  if (head.ok) return digest;
  const start = await session.fetch(host, name, 'pull,push', `${base}/uploads/`, { method: 'POST' });
  await start.arrayBuffer();
  const location = start.headers.get('location');
  if (start.status !== 202 || !location) {
    throw new UserError(`POST ${repository} blob upload: registry answered ${start.status}`, 3);
  }
  const url = new URL(location, registryUrl(host));
  url.searchParams.set('digest', digest);
  const put = await session.fetch(host, name, 'pull,push', url.href, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/octet-stream' },
    body: new Uint8Array(bytes),
  });
  if (put.status !== 201) {
    throw new UserError(
      `PUT ${repository} blob ${digest}: registry answered ${put.status} ${await put.text()}`,
      3,
    );
  }
  await put.arrayBuffer();
  return digest;
}

/** A blob's bytes, checked against its digest (a registry is not trusted to return what it was asked). */
export async function getBlob(
  repository: string,
  digest: string,
  session: RegistrySession = anonymousSession(),
): Promise<Buffer | undefined> {
  const { host, name } = splitRepository(repository);
  const res = await session.fetch(host, name, 'pull', `${registryUrl(host)}/v2/${name}/blobs/${digest}`, {});
  if (res.status === 404) return undefined;
  if (!res.ok) throw new UserError(`GET ${repository} blob ${digest}: registry answered ${res.status}`, 3);
  const bytes = Buffer.from(await res.arrayBuffer());
  const got = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (got !== digest) throw new UserError(`${repository} blob ${digest}: content hashes to ${got}`, 3);
  return bytes;
}
