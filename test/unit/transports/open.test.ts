import { describe, expect, it } from 'vitest';
import { parseTarget } from '../../../src/transports/open.js';

describe('parseTarget', () => {
  it('parses the three target forms', () => {
    expect(parseTarget('local')).toEqual({ kind: 'local' });
    expect(parseTarget('docker://web-1')).toEqual({ kind: 'docker', container: 'web-1' });
    expect(parseTarget('ssh://admin@10.0.0.5')).toEqual({
      kind: 'ssh',
      endpoint: { user: 'admin', host: '10.0.0.5', port: 22 },
    });
    expect(parseTarget('ssh://ec2-user@[fd00::5]:2222')).toEqual({
      kind: 'ssh',
      endpoint: { user: 'ec2-user', host: 'fd00::5', port: 2222 },
    });
  });

  it.each([
    ['docker://', /container name or id missing or invalid/],
    ['docker://a b', /container name or id missing or invalid/],
    ['ssh://host.example.com', /user and host are required/],
    ['ssh://u@h:99999', /port 99999 is not between 1 and 65535/],
    ['ssh://u@h:22/path', /expected ssh:\/\/user@host\[:port\]/],
    [
      'http://x',
      /unknown form \(expected local, docker:\/\/CONTAINER, ssh:\/\/user@host\[:port\] or ssm:\/\/INSTANCE-ID/,
    ],
  ])('rejects %s with a precise message', (target, message) => {
    expect(() => parseTarget(target)).toThrow(message);
    expect(() => parseTarget(target)).toThrow(expect.objectContaining({ kind: 'bad-input' }));
  });
});

describe('parseTarget ssm://', () => {
  it('parses an instance id and an optional region', () => {
    expect(parseTarget('ssm://i-0123456789abcdef0')).toEqual({
      kind: 'ssm',
      endpoint: { instanceId: 'i-0123456789abcdef0' },
    });
    expect(parseTarget('ssm://mi-0123456789abcdef0?region=eu-west-1')).toEqual({
      kind: 'ssm',
      endpoint: { instanceId: 'mi-0123456789abcdef0', region: 'eu-west-1' },
    });
  });

  it.each([
    ['ssm://', /expected ssm:\/\/i-0123456789abcdef0/],
    ['ssm://i-XYZ', /expected ssm:\/\/i-0123456789abcdef0/],
    ['ssm://i-0123456789abcdef0;id', /expected ssm:\/\/i-0123456789abcdef0/],
    ['ssm://i-0123456789abcdef0?region=$(id)', /malformed parameter "region=\$\(id\)"/],
    ['ssm://i-0123456789abcdef0?bucket=x', /unknown or malformed parameter "bucket=x"/],
  ])('rejects %s', (target, message) => {
    expect(() => parseTarget(target)).toThrow(message);
    expect(() => parseTarget(target)).toThrow(expect.objectContaining({ kind: 'bad-input' }));
  });
});
