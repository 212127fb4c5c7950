import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/drift/inventory.js';

const ID = `sha256:${'a'.repeat(64)}`;
const parse = (text: string) => parseInventory('fleet.yaml', text);

describe('parseInventory', () => {
  it('reads hosts with their images; a docker:// host may leave its image to the container', () => {
    const hosts = parse(
      [
        'hosts:',
        '  - target: ssh://admin@10.0.0.5:2222',
        '    image: 127.0.0.1:5001/web@sha256:' + 'b'.repeat(64),
        '  - docker://web-1',
        '  - name: bastion',
        '    target: ssh://ec2-user@10.0.0.9',
        '    image: ami-0abc1234def567890',
        '    region: eu-west-1',
        `  - target: ssh://admin@10.0.0.6`,
        `    image: ${ID}`,
      ].join('\n'),
    );
    expect(hosts).toEqual([
      {
        name: 'ssh://admin@10.0.0.5:2222',
        target: 'ssh://admin@10.0.0.5:2222',
        source: 'inventory fleet.yaml:2',
        image: { kind: 'docker-image', id: '', reference: `127.0.0.1:5001/web@sha256:${'b'.repeat(64)}` },
      },
      { name: 'docker://web-1', target: 'docker://web-1', source: 'inventory fleet.yaml:4' },
      {
        name: 'bastion',
        target: 'ssh://ec2-user@10.0.0.9',
        source: 'inventory fleet.yaml:5',
        image: {
          kind: 'ami',
          id: 'ami-0abc1234def567890',
          reference: 'ami-0abc1234def567890',
          region: 'eu-west-1',
        },
      },
      expect.objectContaining({ image: { kind: 'docker-image', id: ID, reference: ID } }),
    ]);
  });

  it('a top-level list works too', () => {
    expect(parse('- docker://a\n- docker://b\n').map((h) => h.name)).toEqual(['docker://a', 'docker://b']);
  });

  it.each([
    ['target: x\n', /fleet\.yaml:1: an inventory is a list of hosts/],
    ['hosts: []\n', /fleet\.yaml:1: the inventory lists no hosts/],
    [
      '- target: ssh://10.0.0.5\n  image: web\n',
      /fleet\.yaml:1: target "ssh:\/\/10\.0\.0\.5": expected ssh:\/\/user@host/,
    ],
    ['- docker://a\n- target: ssh://a@b\n', /fleet\.yaml:2: an ssh:\/\/ host needs `image:`/],
    ['- target: ssh://a@b\n  image: ami-0abc1234\n', /fleet\.yaml:2: ami-0abc1234 needs `region:`/],
    ['- target: ssh://a@b\n  image: web:1\n  region: eu-west-1\n', /fleet\.yaml:3: region applies to an AMI/],
    ['- target: docker://a\n  imgae: web\n', /fleet\.yaml:2: unknown key "imgae"/],
    [
      '- target: docker://a\n- target: docker://a\n',
      /fleet\.yaml:2: host "docker:\/\/a" is listed twice \(first at fleet\.yaml:1\)/,
    ],
    ['- target: local\n', /fleet\.yaml:1: drift checks remote hosts/],
    ['- target: ftp://x\n', /fleet\.yaml:1: target "ftp:\/\/x": unknown form/],
    ['- [1, 2]\n', /fleet\.yaml:1: a host is a target string or a mapping/],
    ['- target: docker://a\n  name: 7\n', /fleet\.yaml:2: name must be a string/],
    ['hosts:\n  - target: [\n', /fleet\.yaml:\d+:\d+: invalid YAML/],
  ])('%j is one error naming file:line (exit 2)', (text, message) => {
    let err: unknown;
    try {
      parse(text);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ exitCode: 2, message: expect.stringMatching(message) });
    expect((err as Error).message).not.toContain('\n');
  });
});
