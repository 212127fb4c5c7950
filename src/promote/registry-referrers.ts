/**
 * Attestations as OCI artifacts attached to an image (OCI distribution 1.1 "referrers"): the
 * DSSE envelope is the one layer of a manifest whose `subject` is the image manifest. A
 * registry with the referrers API indexes it (it answers the manifest PUT with `OCI-Subject`);
 * for one without — Distribution 2.x, as on 127.0.0.1:5001 — the referrers tag schema is kept
 * by hand: an image index tagged `sha256-<subject hex>` lists every referrer. Any OCI tool
 * finds the attestation from the image digest either way (`skopeo inspect --raw
 * docker://HOST/REPO:sha256-<hex>`, or GET /v2/REPO/referrers/<digest>).
 */
import { createHash } from 'node:crypto';
import {
  getBlob,
  getRawManifest,
  type Manifest,
  pushBlob,
  putRawManifest,
  registryUrl,
  splitRepository,
} from './registry-api.js';
import { anonymousSession, type RegistrySession } from './registry-session.js';

export const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const EMPTY_TYPE = 'application/vnd.oci.empty.v1+json';
const EMPTY = Buffer.from('{}');
/** Annotation naming the in-toto predicate type, so a verdict and a promotion record are told apart. */
export const PREDICATE_ANNOTATION = 'dev.imagegate.predicate-type';
const CREATED = 'org.opencontainers.image.created';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

interface Index {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export function fallbackTag(subjectDigest: string): string {
  return subjectDigest.replace(':', '-');
}

/**
 * Attach envelope bytes to `subject` in `repository`; idempotent (same bytes → same manifest
 * digest, listed once). Returns the attestation manifest's digest.
 */
export async function attachAttestation(
  repository: string,
  subject: Manifest,
  envelope: Buffer,
  info: { predicateType: string; created: string },
  session: RegistrySession,
): Promise<string> {
  const layerDigest = await pushBlob(repository, envelope, session);
  const emptyDigest = await pushBlob(repository, EMPTY, session);
  const annotations = { [PREDICATE_ANNOTATION]: info.predicateType, [CREATED]: info.created };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: DSSE_MEDIA_TYPE,
      config: { mediaType: EMPTY_TYPE, digest: emptyDigest, size: EMPTY.length },
      layers: [{ mediaType: DSSE_MEDIA_TYPE, digest: layerDigest, size: envelope.length }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.body.length },
      annotations,
    }),
  );
  const digest = sha(manifest);
  const res = await putRawManifest(repository, digest, OCI_MANIFEST, manifest, session);
  if (res.headers.get('oci-subject')) return digest; // the registry indexes referrers itself
  const tag = fallbackTag(subject.digest);
  const existing = await getRawManifest(repository, tag, [OCI_INDEX], session);
  const index: Index = existing
    ? (JSON.parse(existing.body.toString('utf8')) as Index)
    : { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
  if (index.manifests.some((m) => m.digest === digest)) return digest;
  index.manifests.push({
    mediaType: OCI_MANIFEST,
    digest,
    size: manifest.length,
    artifactType: DSSE_MEDIA_TYPE,
    annotations,
  });
  await putRawManifest(repository, tag, OCI_INDEX, Buffer.from(JSON.stringify(index)), session);
  return digest;
}

/** Referrers of `subjectDigest`: the referrers API when the registry has one, else the fallback tag. */
export async function listReferrers(
  repository: string,
  subjectDigest: string,
  session: RegistrySession = anonymousSession(),
): Promise<Descriptor[]> {
  const { host, name } = splitRepository(repository);
  const res = await session.fetch(
    host,
    name,
    'pull',
    `${registryUrl(host)}/v2/${name}/referrers/${subjectDigest}`,
    { headers: { Accept: OCI_INDEX } },
  );
  const type = (res.headers.get('content-type') ?? '').split(';')[0];
  if (res.ok && type === OCI_INDEX) {
    return ((await res.json()) as Index).manifests ?? [];
  }
  await res.arrayBuffer();
  const index = await getRawManifest(repository, fallbackTag(subjectDigest), [OCI_INDEX], session);
  if (!index) return [];
  return (JSON.parse(index.body.toString('utf8')) as Index).manifests ?? [];
}

export interface FetchedAttestation {
  manifestDigest: string;
  predicateType?: string;
  created?: string;
  /** The envelope bytes; undefined when the manifest or blob is gone (counts as unreadable). */
  envelope?: Buffer;
}

/** The DSSE referrers of a subject, newest first, with their envelope bytes. */
export async function fetchAttestations(
  repository: string,
  subjectDigest: string,
  session: RegistrySession = anonymousSession(),
): Promise<FetchedAttestation[]> {
  const refs = (await listReferrers(repository, subjectDigest, session)).filter(
    (d) => d.artifactType === DSSE_MEDIA_TYPE,
  );
  const out: FetchedAttestation[] = [];
  for (const d of refs) {
    const item: FetchedAttestation = {
      manifestDigest: d.digest,
      ...(d.annotations?.[PREDICATE_ANNOTATION]
        ? { predicateType: d.annotations[PREDICATE_ANNOTATION] }
        : {}),
      ...(d.annotations?.[CREATED] ? { created: d.annotations[CREATED] } : {}),
    };
    const m = await getRawManifest(repository, d.digest, [OCI_MANIFEST], session);
    const layer = m
      ? (JSON.parse(m.body.toString('utf8')) as { layers?: Descriptor[] }).layers?.find(
          (l) => l.mediaType === DSSE_MEDIA_TYPE,
        )
      : undefined;
    if (layer) {
      const bytes = await getBlob(repository, layer.digest, session).catch(() => undefined);
      if (bytes) item.envelope = bytes;
    }
    out.push(item);
  }
  return out.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''));
}
