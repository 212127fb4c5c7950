import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestArtifacts, parseManifest } from '../../../src/packer/manifest.js';

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../fixtures/packer', name), 'utf8');

describe('Packer manifest.json', () => {
  it('tests only the newest run: one artifact per docker build, one per AMI region; others skipped', () => {
    const { artifacts, skipped } = manifestArtifacts(fixture('manifest-new.json'), 'packer/manifest.json');
    expect(artifacts).toEqual([
      {
        kind: 'ami',
        id: 'ami-0aaaaaaaaaaaaaaaa',
        region: 'us-east-1',
        reference: 'packer/manifest.json#2',
        builder: 'base (amazon-ebs)',
      },
    ]);
    expect(skipped.map((b) => b.builderType)).toEqual(['qemu']);
  });

  it('reads old manifests without names, run ids or last_run_uuid: every build counts', () => {
    const { artifacts } = manifestArtifacts(fixture('manifest-old.json'), 'm.json');
    expect(artifacts).toEqual([
      {
        kind: 'docker-image',
        id: 'sha256:0acd8dcdb04f30e1398d7afd79108a39639753979327371c4a03afcf103e46d0',
        reference: 'm.json#0',
        builder: 'docker (docker)',
      },
      {
        kind: 'ami',
        id: 'ami-0123abcd',
        region: 'ap-southeast-2',
        reference: 'm.json#1',
        builder: 'amazon-ebs (amazon-ebs)',
      },
    ]);
  });

  it('splits multi-region amazon artifact ids', () => {
    const text = fixture('manifest-new.json').replace(
      '"last_run_uuid": "33333333-3333-3333-3333-333333333333"',
      '"x": 1',
    );
    const regions = manifestArtifacts(text, 'm.json')
      .artifacts.filter((a) => a.kind === 'ami')
      .map((a) => `${a.region}:${a.id}`);
    expect(regions).toEqual([
      'us-east-1:ami-0123456789abcdef0',
      'eu-west-1:ami-0fedcba9876543210',
      'us-east-1:ami-0aaaaaaaaaaaaaaaa',
    ]);
  });

  it.each([
    ['{', /m\.json: not valid JSON/],
    ['{"builds": 3}', /m\.json: no "builds" list/],
    ['{"builds": [{"builder_type": "docker"}]}', /m\.json: builds\[0\] lacks builder_type or artifact_id/],
    [
      '{"builds": [{"builder_type": "amazon-ebs", "artifact_id": "ami-0123abcd"}]}',
      /artifact_id "ami-0123abcd" is not region:ami-/,
    ],
  ])('rejects %s with a message naming the file', (text, message) => {
    expect(() => manifestArtifacts(text, 'm.json')).toThrow(message);
  });

  it('keeps run ids for callers that group builds by run', () => {
    expect(parseManifest(fixture('manifest-new.json'), 'm').lastRunUuid).toBe(
      '33333333-3333-3333-3333-333333333333',
    );
  });
});
