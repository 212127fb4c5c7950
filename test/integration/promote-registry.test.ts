/**
 * Promotion between two real registries (Debian docker-registry on loopback, dev and prod) with
 * images built by the real Docker Engine from debian:bookworm.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StagesConfig } from '../../src/config/types.js';
import { attestationDigest } from '../../src/evidence/dsse.js';
import { PROMOTION_PREDICATE, VERDICT_PREDICATE } from '../../src/evidence/statement.js';
import { identityTag } from '../../src/promote/plan.js';
import { readPromotionLines as readPromotions } from '../../src/promote/records.js';
import { verifyPushed } from '../../src/promote/registry.js';
import { getManifest } from '../../src/promote/registry-api.js';
import { attachAttestation } from '../../src/promote/registry-referrers.js';
import { anonymousSession } from '../../src/promote/registry-session.js';
import { promoteArtifact } from '../../src/promote/run.js';
import { verifyArtifact } from '../../src/promote/verify-artifact.js';
import { requireDocker } from '../helpers/engines.js';
import { installDevKey, OTHER_KEY } from '../helpers/evidence.js';
import { buildFixtureImage, removeFixtureImages } from '../helpers/fixture-image.js';
import { type LocalRegistry, startRegistry } from '../helpers/registry.js';
import { makeVerdict, storeVerdict } from '../helpers/verdicts.js';

const RUN = `promote-${process.pid}-${Date.now()}`;
const TESTED = `imagegate-test/${RUN}:tested`;
const OTHER = `imagegate-test/${RUN}:other`;
const docker = new Dockerode();
let dev: LocalRegistry;
let prod: LocalRegistry;
let dir: string;
let stateDir: string;
let testedId: string;
let otherId: string;
let verdictFile: string;
let stages: StagesConfig;

const promote = (artifact: string, to: string, extra: Partial<Parameters<typeof promoteArtifact>[0]> = {}) =>
  promoteArtifact({ artifact, to, stages, stateDir, docker, ...extra });

async function catalog(r: LocalRegistry): Promise<string[]> {
  const res = await fetch(`http://${r.host}/v2/_catalog`);
  return ((await res.json()) as { repositories: string[] }).repositories;
}

beforeAll(async () => {
  requireDocker();
  [dev, prod] = await Promise.all([startRegistry(), startRegistry()]);
  testedId = buildFixtureImage(TESTED, `tested ${RUN}`, RUN, ['/etc/os-release', '/etc/debian_version']);
  otherId = buildFixtureImage(OTHER, `other ${RUN}`, RUN, ['/etc/os-release', '/etc/debian_version']);
  dir = mkdtempSync(join(tmpdir(), 'imagegate-promote-it-'));
  stateDir = join(dir, '.imagegate');
  // The repository's development key is the test key: `local-dev` signs and is trusted.
  installDevKey(stateDir);
  verdictFile = storeVerdict(
    stateDir,
    makeVerdict({ kind: 'docker-image', id: testedId, reference: TESTED }),
  );
  stages = {
    dev: { trust: ['local-dev'], registry: { repository: `${dev.host}/dev/web`, tags: ['dev'] } },
    // The issue's own spelling: localhost:PORT, which Docker Engine also treats as insecure loopback.
    prod: {
      requires: 'dev',
      trust: ['local-dev'],
      registry: { repository: `localhost:${prod.port}/prod/web`, tags: ['prod', 'latest'] },
    },
    mirror: {
      requires: 'dev',
      trust: ['local-dev'],
      registry: { repository: `${prod.host}/mirror/web`, tags: ['mirror'] },
    },
  };
});

afterAll(async () => {
  removeFixtureImages(RUN);
  await Promise.all([dev?.stop(), prod?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('promote between registries', () => {
  it('refuses an image that has no verdict, and pushes nothing', async () => {
    await expect(promote(OTHER, 'dev')).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(/no verdict for image sha256:/),
    });
    expect(await catalog(dev)).toEqual([]);
  });

  it('refuses a tampered verdict (payload edited, signature kept)', async () => {
    const forged = join(dir, 'forged.verdict.json');
    const env = JSON.parse(readFileSync(verdictFile, 'utf8')) as { payload: string };
    const payload = Buffer.from(env.payload, 'base64')
      .toString('utf8')
      .replace('"failed-count":0', '"failed-count":1');
    writeFileSync(forged, JSON.stringify({ ...env, payload: Buffer.from(payload).toString('base64') }));
    await expect(promote(TESTED, 'dev', { evidence: forged })).rejects.toMatchObject({
      exitCode: 5,
      message: expect.stringMatching(/signature does not verify/),
    });
    expect(await catalog(dev)).toEqual([]);
  });

  it('detects a digest mismatch: the tag now names another image than the one tested', async () => {
    const moved = `imagegate-test/${RUN}:candidate`;
    execFileSync('docker', ['tag', OTHER, moved]);
    await expect(promote(moved, 'dev', { evidence: verdictFile })).rejects.toMatchObject({
      exitCode: 7,
      message: expect.stringMatching(new RegExp(`digest mismatch.*not image ${otherId}`)),
    });
    expect(await catalog(dev)).toEqual([]);
  });

  it('refuses prod before dev', async () => {
    await expect(promote(TESTED, 'prod')).rejects.toMatchObject({
      message: expect.stringMatching(/requires "dev"/),
    });
    expect(await catalog(prod)).toEqual([]);
  });

  it('promotes the tested image dev → prod by digest, every tag on the verified manifest', async () => {
    const toDev = await promote(TESTED, 'dev');
    expect(toDev.changed).toBe(true);
    const devManifest = await getManifest(`${dev.host}/dev/web`, 'dev');
    expect(devManifest?.config).toBe(testedId);
    expect(toDev.record?.registry?.digest).toBe(devManifest?.digest);

    const toProd = await promote(TESTED, 'prod');
    const repo = `localhost:${prod.port}/prod/web`;
    const tags = [identityTag(testedId), 'prod', 'latest'];
    const manifests = await Promise.all(tags.map((t) => getManifest(repo, t)));
    for (const m of manifests) {
      expect(m?.config).toBe(testedId);
      expect(m?.digest).toBe(toProd.record?.registry?.digest);
    }
    expect(toProd.record?.registry?.tags).toEqual(tags);
    expect(readPromotions(stateDir).map((r) => [r.stage, r.artifact.id, r.attestationSha256])).toEqual([
      ['dev', testedId, toDev.attestationSha256],
      ['prod', testedId, toDev.attestationSha256],
    ]);
  });

  it('a second run changes nothing and records nothing', async () => {
    const again = await promote(TESTED, 'prod');
    expect(again.changed).toBe(false);
    expect(again.plan.actions.map((a) => a.kind)).toEqual(['verify']);
    expect(readPromotions(stateDir)).toHaveLength(2);
  });

  it('detects a registry tag that holds another image than the tested one, and a repeat run repairs it', async () => {
    const repo = `localhost:${prod.port}/prod/web`;
    // Someone pushes a different image under the tested image's content-addressed tag and `prod`.
    for (const tag of [identityTag(testedId), 'prod']) {
      execFileSync('docker', ['tag', OTHER, `${repo}:${tag}`]);
      execFileSync('docker', ['push', '-q', `${repo}:${tag}`], { stdio: 'pipe' });
    }
    await expect(verifyPushed(repo, identityTag(testedId), testedId)).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(new RegExp(`digest mismatch.*holds image ${otherId}`)),
    });
    const repair = await promote(TESTED, 'prod', { dryRun: true });
    expect(repair.plan.actions.map((a) => a.kind)).toEqual(['push', 'verify', 'retag']);
    await promote(TESTED, 'prod');
    expect((await getManifest(repo, 'prod'))?.config).toBe(testedId);
    expect((await getManifest(repo, identityTag(testedId)))?.config).toBe(testedId);
  });
});

/**
 * The evidence travels with the image: after `promote`, tools that are not imagegate find the
 * attestation from the image digest (skopeo reads the referrers tag-schema fallback index,
 * plain HTTP reads the artifact manifest and blob) and openssl verifies its DSSE signature over
 * PAE bytes built here, independently of imagegate's own encoder.
 */
describe('the attestation travels with the image', () => {
  const repo = () => `${dev.host}/dev/web`;

  it('is discoverable from the image digest by skopeo, and openssl verifies its signature', async () => {
    const image = await getManifest(repo(), 'dev');
    expect(image?.config).toBe(testedId);
    const fallback = image!.digest.replace(':', '-');
    const raw = execFileSync(
      'skopeo',
      ['inspect', '--raw', '--tls-verify=false', `docker://${repo()}:${fallback}`],
      { encoding: 'utf8' },
    );
    const index = JSON.parse(raw) as {
      mediaType: string;
      manifests: { digest: string; artifactType?: string; annotations?: Record<string, string> }[];
    };
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const dsse = index.manifests.filter((d) => d.artifactType === 'application/vnd.dsse.envelope.v1+json');
    expect(dsse.map((d) => d.annotations?.['dev.imagegate.predicate-type']).sort()).toEqual([
      PROMOTION_PREDICATE,
      VERDICT_PREDICATE,
    ]);
    const ref = dsse.find((d) => d.annotations?.['dev.imagegate.predicate-type'] === VERDICT_PREDICATE)!;
    const manifest = (await (
      await fetch(`http://${dev.host}/v2/dev/web/manifests/${ref.digest}`, {
        headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
      })
    ).json()) as { subject: { digest: string }; layers: { digest: string; mediaType: string }[] };
    expect(manifest.subject.digest).toBe(image!.digest);
    const blob = Buffer.from(
      await (await fetch(`http://${dev.host}/v2/dev/web/blobs/${manifest.layers[0]!.digest}`)).arrayBuffer(),
    );
    expect(blob.equals(readFileSync(verdictFile))).toBe(true);

    // DSSE v1 PAE, spelled out from the spec: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body.
    const env = JSON.parse(blob.toString('utf8')) as {
      payloadType: string;
      payload: string;
      signatures: { sig: string }[];
    };
    const body = Buffer.from(env.payload, 'base64');
    const type = Buffer.from(env.payloadType);
    const pae = Buffer.concat([
      Buffer.from(`DSSEv1 ${type.length} `),
      type,
      Buffer.from(` ${body.length} `),
      body,
    ]);
    const work = mkdtempSync(join(tmpdir(), 'imagegate-openssl-'));
    try {
      writeFileSync(join(work, 'pae.bin'), pae);
      writeFileSync(join(work, 'sig.bin'), Buffer.from(env.signatures[0]!.sig, 'base64'));
      const pub = join(stateDir, 'keys', 'dev-signing.key.pub');
      const openssl = (input: string) =>
        spawnSync(
          'openssl',
          [
            'pkeyutl',
            '-verify',
            '-pubin',
            '-inkey',
            pub,
            '-rawin',
            '-in',
            input,
            '-sigfile',
            join(work, 'sig.bin'),
          ],
          {
            encoding: 'utf8',
          },
        );
      const good = openssl(join(work, 'pae.bin'));
      expect(good.stdout).toContain('Signature Verified Successfully');
      expect(good.status).toBe(0);
      const flipped = Buffer.from(pae);
      flipped.writeUInt8(flipped.readUInt8(flipped.length - 2) ^ 1, flipped.length - 2);
      writeFileSync(join(work, 'flipped.bin'), flipped);
      expect(openssl(join(work, 'flipped.bin')).status).not.toBe(0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('verify passes on the promoted digest; a newer forged attestation makes it fail', async () => {
    const image = (await getManifest(repo(), 'dev'))!;
    const req = { artifact: `${repo()}@${image.digest}`, stage: 'dev', stages, configDir: dir, stateDir };
    const ok = await verifyArtifact(req);
    expect(ok.attestationSha256).toBe(attestationDigest(readFileSync(verdictFile)));
    expect(ok.artifact.id).toBe(testedId);

    // Someone with push access attaches an edited copy (the signature kept) as the newest evidence.
    const env = JSON.parse(readFileSync(verdictFile, 'utf8')) as { payload: string };
    const payload = Buffer.from(env.payload, 'base64')
      .toString('utf8')
      .replace('"version":"0.1.0"', '"version":"9.9.9"');
    const forged = Buffer.from(JSON.stringify({ ...env, payload: Buffer.from(payload).toString('base64') }));
    await attachAttestation(
      repo(),
      image,
      forged,
      { predicateType: VERDICT_PREDICATE, created: '2099-01-01T00:00:00.000Z' },
      anonymousSession(),
    );
    await expect(verifyArtifact(req)).rejects.toMatchObject({
      exitCode: 5,
      message: expect.stringMatching(/signature does not verify/),
    });
  });

  it('verify refuses evidence signed by a key the named stage does not trust', async () => {
    const strict: StagesConfig = { ...stages, dev: { ...stages.dev!, trust: [{ publicKey: 'other.pub' }] } };
    writeFileSync(join(dir, 'other.pub'), OTHER_KEY.publicKeyPem);
    const other = await getManifest(`localhost:${prod.port}/prod/web`, 'prod');
    await expect(
      verifyArtifact({
        artifact: `localhost:${prod.port}/prod/web@${other!.digest}`,
        stage: 'dev',
        stages: strict,
        configDir: dir,
        stateDir,
      }),
    ).rejects.toMatchObject({
      exitCode: 6,
      message: expect.stringMatching(/a key this stage does not trust/),
    });
  });
});

describe('imagegate promote (CLI)', () => {
  const bin = join(process.cwd(), 'bin', 'imagegate');
  let work: string;
  const cli = (...args: string[]) =>
    spawnSync(bin, ['promote', ...args, '--config', join(work, 'imagegate.yaml')], { encoding: 'utf8' });

  beforeAll(() => {
    if (!existsSync(join(process.cwd(), 'dist', 'cli', 'main.js'))) {
      throw new Error('dist/ is missing: run `npm run build` before the integration tests');
    }
    work = join(dir, 'cli');
    mkdirSync(work);
    writeFileSync(
      join(work, 'imagegate.yaml'),
      `stages:\n  qa:\n    trust: [local-dev]\n    registry:\n      repository: "${dev.host}/qa/web"\n      tags: [qa]\n`,
    );
    installDevKey(join(work, '.imagegate'));
  });

  it('refuses without evidence: exit 1, one line on stderr, nothing on stdout', () => {
    const r = cli(TESTED, '--to', 'qa');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^imagegate: refused: no verdict for image/),
    ]);
  });

  it('refuses evidence that did not run the suites imagegate.yaml configures for the image (exit 1)', async () => {
    // The walkthrough's attack: a passing re-test with fewer suites after a failing gate.
    writeFileSync(join(work, 'app.yaml'), 'file:\n  /etc/os-release:\n    exists: true\n');
    const config = join(work, 'images.yaml');
    writeFileSync(
      config,
      `images:\n  web:\n    template: packer/web\n    suites: [app.yaml, builtin:no-secrets]\nstages:\n  qa:\n    trust: [local-dev]\n    registry:\n      repository: "${dev.host}/qa/web"\n`,
    );
    const { loadSuite } = await import('../../src/suite/load.js');
    const app = await loadSuite(join(work, 'app.yaml'));
    const base = makeVerdict({ kind: 'docker-image', id: testedId, reference: TESTED });
    const fewer = {
      ...base,
      image: 'web',
      suites: [{ ...base.suites[0]!, name: 'app.yaml', digest: app.digest }],
    };
    const adHoc = storeVerdict(join(work, 'adhoc'), base);
    const partial = storeVerdict(join(work, 'partial'), fewer);
    const promote = (evidence: string) =>
      spawnSync(
        bin,
        ['promote', TESTED, '--to', 'qa', '--dry-run', '--evidence', evidence, '--config', config],
        {
          encoding: 'utf8',
        },
      );
    const a = promote(adHoc);
    expect(a.status, a.stderr).toBe(1);
    expect(a.stderr).toMatch(/names no image from imagegate\.yaml .*--image NAME \(one of web\)/);
    const b = promote(partial);
    expect(b.status, b.stderr).toBe(1);
    expect(b.stderr).toMatch(
      /image web must pass suite builtin:no-secrets \(imagegate\.yaml\), and this verdict did not run it/,
    );
  });

  it('--dry-run prints the plan and pushes nothing; --json promotes and says where', async () => {
    copyFileSync(verdictFile, join(work, 'tested.verdict.json'));
    const evidence = join(work, 'tested.verdict.json');
    const dry = cli(TESTED, '--to', 'qa', '--evidence', evidence, '--dry-run');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain(`push to ${dev.host}/qa/web:${identityTag(testedId)}`);
    expect(dry.stdout).toContain(`point ${dev.host}/qa/web:qa at the verified digest`);
    expect(await catalog(dev)).not.toContain('qa/web');

    const run = cli(TESTED, '--to', 'qa', '--evidence', evidence, '--json');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as { changed: boolean; record: { registry: { digest: string } } };
    expect(out.changed).toBe(true);
    expect((await getManifest(`${dev.host}/qa/web`, 'qa'))?.digest).toBe(out.record.registry.digest);
    expect(readPromotions(join(work, '.imagegate')).map((r) => r.stage)).toEqual(['qa']);
  });

  it('imagegate verify: exit 0 on the promoted digest, one line and exit 6 where the stage trusts another key', async () => {
    const digest = (await getManifest(`${dev.host}/qa/web`, 'qa'))!.digest;
    const verify = (...args: string[]) =>
      spawnSync(bin, ['verify', `${dev.host}/qa/web@${digest}`, ...args], { encoding: 'utf8' });
    const ok = verify('--stage', 'qa', '--config', join(work, 'imagegate.yaml'));
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^verified: .* passed its tests .*signed by local-dev key/);
    writeFileSync(join(work, 'other.pub'), OTHER_KEY.publicKeyPem);
    writeFileSync(
      join(work, 'strict.yaml'),
      `stages:\n  qa:\n    trust: [{ publicKey: other.pub }]\n    registry:\n      repository: "${dev.host}/qa/web"\n`,
    );
    const refused = verify('--stage', 'qa', '--config', join(work, 'strict.yaml'));
    expect(refused.status).toBe(6);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^imagegate: refused: .*a key this stage does not trust/),
    ]);
  });
});

describe('promote from a registry stage on a machine without the image', () => {
  it('pulls the dev-stage image, matches the verdict by image id, and promotes it on', async () => {
    execFileSync('docker', ['rmi', '--force', testedId], { stdio: 'pipe' });
    expect(spawnSync('docker', ['image', 'inspect', testedId], { stdio: 'ignore' }).status).not.toBe(0);
    const result = await promote(`${dev.host}/dev/web:dev`, 'mirror');
    expect(result.artifact.id).toBe(testedId);
    expect((await getManifest(`${prod.host}/mirror/web`, 'mirror'))?.config).toBe(testedId);
  });

  it('with neither the image nor its verdict: the evidence travels with the image, and the ladder is read at the destination', async () => {
    execFileSync('docker', ['rmi', '--force', testedId], { stdio: 'pipe' });
    const elsewhere = join(dir, 'elsewhere', '.imagegate');
    installDevKey(elsewhere);
    const stages2: StagesConfig = {
      ...stages,
      mirror: { ...stages.mirror!, registry: { repository: `${prod.host}/mirror2/web`, tags: ['mirror'] } },
    };
    // By digest: the local tag prod/web:prod still names the image pushed over it earlier.
    const digest = (await getManifest(`localhost:${prod.port}/prod/web`, 'prod'))!.digest;
    const result = await promoteArtifact({
      artifact: `localhost:${prod.port}/prod/web@${digest}`,
      to: 'mirror',
      stages: stages2,
      stateDir: elsewhere,
      docker,
    });
    expect(result.evidence).toMatch(new RegExp(`^localhost:${prod.port}/prod/web@sha256:`));
    expect(result.attestationSha256).toBe(attestationDigest(readFileSync(verdictFile)));
    expect((await getManifest(`${prod.host}/mirror2/web`, 'mirror'))?.config).toBe(testedId);
    // "dev" was reached according to the promotion attestation attached in the dev registry.
    expect(readPromotions(elsewhere).map((r) => r.stage)).toEqual(['mirror']);
  });
});
