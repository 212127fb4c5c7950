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
import { identityTag } from '../../src/promote/plan.js';
import { readPromotions } from '../../src/promote/records.js';
import { verifyPushed } from '../../src/promote/registry.js';
import { getManifest } from '../../src/promote/registry-api.js';
import { promoteArtifact } from '../../src/promote/run.js';
import { requireDocker } from '../helpers/engines.js';
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
  verdictFile = storeVerdict(
    stateDir,
    makeVerdict({ kind: 'docker-image', id: testedId, reference: TESTED }),
  );
  stages = {
    dev: { registry: { repository: `${dev.host}/dev/web`, tags: ['dev'] } },
    // The issue's own spelling: localhost:PORT, which Docker Engine also treats as insecure loopback.
    prod: {
      requires: 'dev',
      registry: { repository: `localhost:${prod.port}/prod/web`, tags: ['prod', 'latest'] },
    },
    mirror: { requires: 'dev', registry: { repository: `${prod.host}/mirror/web`, tags: ['mirror'] } },
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

  it('refuses a tampered verdict', async () => {
    const forged = join(dir, 'forged.verdict.json');
    copyFileSync(verdictFile, forged);
    writeFileSync(forged, readFileSync(forged, 'utf8').replace('"failed-count": 0', '"failed-count": 1'));
    await expect(promote(TESTED, 'dev', { evidence: forged })).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(/modified after it was written/),
    });
    expect(await catalog(dev)).toEqual([]);
  });

  it('detects a digest mismatch: the tag now names another image than the one tested', async () => {
    const moved = `imagegate-test/${RUN}:candidate`;
    execFileSync('docker', ['tag', OTHER, moved]);
    await expect(promote(moved, 'dev', { evidence: verdictFile })).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(new RegExp(`digest mismatch.*${testedId}.*${otherId}`)),
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
    expect(readPromotions(stateDir).map((r) => [r.stage, r.artifact.id, r.verdictSha256])).toEqual([
      ['dev', testedId, toDev.verdictSha256],
      ['prod', testedId, toDev.verdictSha256],
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
      `stages:\n  qa:\n    registry:\n      repository: "${dev.host}/qa/web"\n      tags: [qa]\n`,
    );
  });

  it('refuses without evidence: exit 1, one line on stderr, nothing on stdout', () => {
    const r = cli(TESTED, '--to', 'qa');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^imagegate: refused: no verdict for image/),
    ]);
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
});

describe('promote from a registry stage on a machine without the image', () => {
  it('pulls the dev-stage image, matches the verdict by image id, and promotes it on', async () => {
    execFileSync('docker', ['rmi', '--force', testedId], { stdio: 'pipe' });
    expect(spawnSync('docker', ['image', 'inspect', testedId], { stdio: 'ignore' }).status).not.toBe(0);
    const result = await promote(`${dev.host}/dev/web:dev`, 'mirror');
    expect(result.artifact.id).toBe(testedId);
    expect((await getManifest(`${prod.host}/mirror/web`, 'mirror'))?.config).toBe(testedId);
  });
});
