import { describe, expect, it } from 'vitest';
import { repositoryOf, withBases } from '../../../src/packer/bases.js';
import { baseOfText, MachineReadableState, parseMachineLine } from '../../../src/packer/machine-readable.js';

describe('build bases', () => {
  it('reads the base from what the amazon and docker builders print', () => {
    expect(baseOfText('amazon-ebs.app: Found Image ID: ami-0123456789abcdef0')).toEqual({
      kind: 'ami',
      id: 'ami-0123456789abcdef0',
    });
    expect(baseOfText('docker.web: Pulling Docker image: debian:bookworm')).toEqual({
      kind: 'docker-image',
      reference: 'debian:bookworm',
    });
    expect(
      baseOfText('docker.web: echo Found Image ID: ami-0123456789abcdef0 from a script'),
    ).toBeUndefined();
  });

  it('keeps the first base per build from the machine-readable stream', () => {
    const s = new MachineReadableState();
    for (const l of [
      '1,,ui,message,    amazon-ebs.app: Found Image ID: ami-0123456789abcdef0',
      '2,,ui,say,==> docker.web: Pulling Docker image: debian:bookworm',
      '3,,ui,message,    amazon-ebs.app: Found Image ID: ami-0fffffffffffffff0',
    ])
      s.feed(parseMachineLine(l)!);
    expect(Object.fromEntries(s.bases)).toEqual({
      'amazon-ebs.app': { kind: 'ami', id: 'ami-0123456789abcdef0' },
      'docker.web': { kind: 'docker-image', reference: 'debian:bookworm' },
    });
  });

  it('attaches bases to artifacts, with the digest the docker base was pulled by', async () => {
    const out = await withBases(
      [
        { kind: 'ami', build: 'amazon-ebs.app', id: 'ami-0aaa0000000000001', region: 'eu-west-1' },
        { kind: 'docker-image', build: 'docker.web', id: 'sha256:abc', tags: [] },
        { kind: 'docker-image', build: 'docker.other', id: 'sha256:def', tags: [] },
      ],
      new Map([
        ['amazon-ebs.app', { kind: 'ami' as const, id: 'ami-0123456789abcdef0' }],
        ['docker.web', { kind: 'docker-image' as const, reference: '127.0.0.1:5001/base/debian:12' }],
      ]),
      async () => ({
        id: 'sha256:base',
        repoDigests: ['other@sha256:1', '127.0.0.1:5001/base/debian@sha256:2'],
      }),
    );
    expect(out.map((a) => a.base)).toEqual([
      { kind: 'ami', id: 'ami-0123456789abcdef0', region: 'eu-west-1' },
      {
        kind: 'docker-image',
        reference: '127.0.0.1:5001/base/debian:12',
        id: 'sha256:base',
        digest: '127.0.0.1:5001/base/debian@sha256:2',
      },
      undefined,
    ]);
    expect(repositoryOf('reg:5000/a/b:tag')).toBe('reg:5000/a/b');
    expect(repositoryOf('reg:5000/a/b')).toBe('reg:5000/a/b');
  });
});
