import { describe, expect, it } from 'vitest';
import {
  copyToken,
  identityTag,
  missingTags,
  planRegistry,
  type RegistryState,
} from '../../../src/promote/plan.js';
import type { RegistryStage } from '../../../src/promote/stages.js';

const source = { account: '111111111111', region: 'eu-west-1', imageId: 'ami-0123456789abcdef0' };

describe('copyToken', () => {
  it('is stable for the same source, target and stage, and distinct when any of them changes', () => {
    const t = copyToken(source, { account: '111111111111', region: 'us-east-1' }, 'prod');
    expect(t).toMatch(/^[0-9a-f]{64}$/); // CopyImage allows at most 64 ASCII characters
    expect(copyToken(source, { account: '111111111111', region: 'us-east-1' }, 'prod')).toBe(t);
    const others = [
      copyToken(source, { account: '111111111111', region: 'us-west-2' }, 'prod'),
      copyToken(source, { account: '222222222222', region: 'us-east-1' }, 'prod'),
      copyToken(source, { account: '111111111111', region: 'us-east-1' }, 'staging'),
      copyToken(
        { ...source, imageId: 'ami-0fedcba9876543210' },
        { account: '111111111111', region: 'us-east-1' },
        'prod',
      ),
    ];
    expect(new Set([t, ...others]).size).toBe(5);
  });
});

describe('missingTags', () => {
  const want = {
    'imagegate:stage': 'prod',
    'imagegate:promoted-at': '2030-01-01T00:00:00Z',
    OS: 'debian-12',
  };

  it('writes nothing when only the time differs (a repeated run)', () => {
    expect(
      missingTags(want, {
        'imagegate:stage': 'prod',
        'imagegate:promoted-at': '2026-01-01',
        OS: 'debian-12',
      }),
    ).toEqual({});
  });

  it('returns changed tags, and the time with them', () => {
    expect(
      missingTags(want, { 'imagegate:stage': 'dev', 'imagegate:promoted-at': '2026-01-01', OS: 'debian-12' }),
    ).toEqual({
      'imagegate:stage': 'prod',
      'imagegate:promoted-at': '2030-01-01T00:00:00Z',
    });
    expect(missingTags(want, { 'imagegate:stage': 'prod', OS: 'debian-12' })).toEqual({
      'imagegate:promoted-at': '2030-01-01T00:00:00Z',
    });
    expect(missingTags(want, {})).toEqual(want);
  });
});

describe('planRegistry', () => {
  const stage: RegistryStage = {
    kind: 'registry',
    name: 'prod',
    repository: 'localhost:5002/prod/web',
    tags: ['prod', 'latest'],
  };
  const imageId = `sha256:${'c'.repeat(64)}`;
  const id = identityTag(imageId);

  it('pushes the content-addressed tag, verifies it, then points each stage tag at it', () => {
    const plan = planRegistry(stage, { imageId, tags: {} });
    expect(id).toBe(`sha256-${'c'.repeat(64)}`);
    expect(plan.actions).toEqual([
      { kind: 'push', repository: stage.repository, tag: id },
      { kind: 'verify', repository: stage.repository, tag: id, imageId },
      { kind: 'retag', repository: stage.repository, tag: 'prod' },
      { kind: 'retag', repository: stage.repository, tag: 'latest' },
    ]);
  });

  it('only verifies when everything already names the tested image', () => {
    const m = { digest: `sha256:${'d'.repeat(64)}`, config: imageId };
    const state: RegistryState = { imageId, tags: { [id]: m, prod: m, latest: m } };
    expect(planRegistry(stage, state).actions.map((a) => a.kind)).toEqual(['verify']);
  });

  it('moves a stage tag that names another image, and re-pushes an identity tag holding something else', () => {
    const ours = { digest: `sha256:${'d'.repeat(64)}`, config: imageId };
    const other = { digest: `sha256:${'e'.repeat(64)}`, config: `sha256:${'f'.repeat(64)}` };
    expect(planRegistry(stage, { imageId, tags: { [id]: ours, prod: other, latest: ours } }).actions).toEqual(
      [
        { kind: 'verify', repository: stage.repository, tag: id, imageId },
        { kind: 'retag', repository: stage.repository, tag: 'prod' },
      ],
    );
    const hijacked = planRegistry(stage, { imageId, tags: { [id]: other, latest: ours } }).actions;
    expect(hijacked.map((a) => `${a.kind} ${a.tag}`)).toEqual([`push ${id}`, `verify ${id}`, 'retag prod']);
  });
});
