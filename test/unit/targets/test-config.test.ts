import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';

function config(test: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'imagegate-test-config-'));
  const file = join(dir, 'imagegate.yaml');
  writeFileSync(file, `images:\n  base:\n    template: packer/base\n    test:\n${test}`);
  return file;
}

describe('images.<name>.test in imagegate.yaml', () => {
  it('accepts docker and ec2 settings', () => {
    const file = config(
      [
        '      ttl: 45m',
        '      docker:',
        '        command: [nginx, -g, "daemon off;"]',
        '        envFrom: { TOKEN: CI_TOKEN }',
        '        ports: [80, 53/udp]',
        '        readiness: { suite: goss/ready.yaml, retryTimeout: 30s, sleep: 500ms }',
        '      ec2:',
        '        instanceType: t3.small',
        '        subnetId: subnet-0abc1234',
        '        allowCidr: 203.0.113.7/32',
        '        bastion: ops@bastion.example.com:2222',
        '',
      ].join('\n'),
    );
    const image = loadConfig(file).config.images?.base;
    expect(image?.test?.docker?.ports).toEqual([80, '53/udp']);
    expect(image?.test?.ec2?.allowCidr).toBe('203.0.113.7/32');
  });

  it('refuses an SSH source range open to the internet, naming file and line', () => {
    const file = config('      ec2:\n        allowCidr: 0.0.0.0/0\n');
    expect(() => loadConfig(file)).toThrow(/imagegate\.yaml:6.*allowCidr/);
  });

  it('rejects unknown settings instead of ignoring them', () => {
    expect(() => loadConfig(config('      docker:\n        comand: [nginx]\n'))).toThrow(/comand/);
  });
});
